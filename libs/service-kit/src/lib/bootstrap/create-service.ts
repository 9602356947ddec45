import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { type BaseConfig, ConfigError } from '../config/load-config';
import { MetricsRegistry } from '../metrics/metrics.module';

export interface ServiceOptions {
  /** Publishes an OpenAPI 3 document generated from the controllers at /docs/openapi.json, viewer at /docs. */
  openApi?: { title: string; description: string; version: string };
}

/** Builds a configured (not yet listening) application; shared by `main.ts` and the tests. */
export async function createService(module: DynamicModule, options: ServiceOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(app.get(MetricsRegistry).httpMiddleware());
  app.enableShutdownHooks();
  answerUnparsableRequestsWithProblems(app);
  tuneForLongUploads(app.getHttpServer() as Server);
  if (options.openApi) {
    const config = new DocumentBuilder()
      .setTitle(options.openApi.title)
      .setDescription(options.openApi.description)
      .setVersion(options.openApi.version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs/openapi.json' });
  }
  return app;
}

/**
 * The whole of a service's `main.ts`: validate configuration (a bad variable exits 1 with its name),
 * build the module, listen.
 */
export async function runService(build: () => { module: DynamicModule; config: BaseConfig; options?: ServiceOptions }): Promise<void> {
  let built: { module: DynamicModule; config: BaseConfig; options?: ServiceOptions };
  try {
    built = build();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createService(built.module, built.options);
  await app.listen(built.config.PORT, built.config.HOST);
}

/**
 * Requests Node's HTTP parser rejects (oversized headers, garbage request lines) never reach Nest; by
 * default Node answers them with a bare status line. They get a problem document like everything else.
 */
function answerUnparsableRequestsWithProblems(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET')) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const code = tooLarge ? 'headers_too_large' : 'malformed_request';
    const body = JSON.stringify({ type: `urn:problem:${code}`, title: tooLarge ? 'Request headers too large' : 'Malformed request', status, code });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** A connection that moves no byte for this long is dropped (a stalled upload's lease then runs out). */
const IDLE_SOCKET_MS = 120_000;
/**
 * Longer than the idle timeout of client keep-alive pools (Node's agent 5 s, undici 4 s, most load
 * balancers 60 s): the client must be the one to close an idle connection, or it may send a request on a
 * socket the server is closing ("other side closed", ECONNRESET).
 */
const KEEP_ALIVE_MS = 65_000;

/**
 * Node ends any request after 5 minutes (`requestTimeout`); a 50 MiB chunk from a slow client legitimately
 * takes longer, so the services bound idleness instead of total duration.
 */
function tuneForLongUploads(server: Server): void {
  server.requestTimeout = 0;
  server.setTimeout(IDLE_SOCKET_MS);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
}
