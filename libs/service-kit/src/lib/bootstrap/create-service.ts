import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { type BaseConfig, ConfigError } from '../config/load-config';
import { MetricsRegistry } from '../metrics/metrics.module';

/** Builds a configured (not yet listening) application; shared by `main.ts` and the integration tests. */
export async function createService(module: DynamicModule): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(app.get(MetricsRegistry).httpMiddleware());
  app.enableShutdownHooks();
  return app;
}

/**
 * The whole of a service's `main.ts`: validate configuration (a bad variable exits 1 with its name),
 * build the module, listen.
 */
export async function runService(build: () => { module: DynamicModule; config: BaseConfig }): Promise<void> {
  let built: { module: DynamicModule; config: BaseConfig };
  try {
    built = build();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createService(built.module);
  await app.listen(built.config.PORT, built.config.HOST);
}
