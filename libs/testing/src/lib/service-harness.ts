import type { DynamicModule, INestApplication } from '@nestjs/common';
import { createService, type ServiceOptions } from '@media/service-kit';
import { testDatabaseUri } from './infra/test-database';
import { identityEnv } from './service-identity.fixture';

export interface RunningService {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The environment a service under test reads: the run's servers, a database of its own, quiet logs, and
 * the public keys of storage's callers (ingest-api and encoder), so a called service authenticates as always.
 */
export function integrationEnv(label: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const mongodbUri = process.env['MONGODB_URI'];
  const kafkaBrokers = process.env['KAFKA_BROKERS'];
  if (!mongodbUri || !kafkaBrokers) {
    throw new Error('MONGODB_URI and KAFKA_BROKERS are unset: run integration tests through jest.integration.config.ts');
  }
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MONGODB_URI: testDatabaseUri(mongodbUri, label),
    KAFKA_BROKERS: kafkaBrokers,
    ...identityEnv('storage'),
    ...extra,
  };
}

/** Boots a service module exactly as `main.ts` would, on an ephemeral loopback port. */
export async function bootService(module: DynamicModule, options: ServiceOptions = {}): Promise<RunningService> {
  const app = await createService(module, options);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    baseUrl: url.replace('[::1]', '127.0.0.1'),
    close: () => app.close(),
  };
}
