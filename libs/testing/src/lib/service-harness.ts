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
 * storage's identity (its callers' public keys, and its own signing key for the garbage collector), so a
 * called service authenticates as always; other services spread their own `identityEnv` over it.
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

/** The HS256 secret the gateway's integration tests sign customer tokens with. */
export const INTEGRATION_JWT_SECRET = 'integration-secret-of-at-least-32-bytes';

/**
 * The gateway on its own: its identity, the test token secret, and every peer (storage, fanout, the image
 * renderer, the public base) at an address where nothing listens, so a spec states only what it changes.
 */
export function gatewayIntegrationEnv(label: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const nowhere = 'http://127.0.0.1:9';
  return integrationEnv(label, {
    ...identityEnv('ingest-api'),
    JWT_HS256_SECRET: INTEGRATION_JWT_SECRET,
    STORAGE_URL: nowhere,
    FANOUT_URL: nowhere,
    IMAGING_URL: nowhere,
    PUBLIC_BASE_URL: nowhere,
    ...extra,
  });
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
