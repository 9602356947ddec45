import { mintHs256Token, type Scope, SCOPES } from '@media/scopes';
import type { ServiceIdentity } from '../service-identity.fixture';

export interface E2eContext {
  gateway: string;
  storage: string;
  /** Fanout's internal URL, for services a test launches itself. */
  fanout: string;
  /** The encoder's internal URL (its metrics, its on-demand image API). */
  encoder: string;
  jwtSecret: string;
  /** The database the services use, for checks "behind" the API (GridFS read back directly). */
  databaseUri: string;
  kafkaBrokers: string;
  /** The service keys the suite runs with (see `serviceAuthorization`, `identityEnv`). */
  identity: ServiceIdentity;
}

/** Addresses the end-to-end global setup published for this run. */
export function e2eContext(): E2eContext {
  const read = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is unset: run end-to-end tests through jest.e2e.config.ts`);
    return value;
  };
  return {
    gateway: read('E2E_INGEST_API_URL'),
    storage: read('E2E_STORAGE_URL'),
    fanout: read('E2E_FANOUT_URL'),
    encoder: read('E2E_ENCODER_URL'),
    jwtSecret: read('E2E_JWT_SECRET'),
    databaseUri: read('E2E_DATABASE_URI'),
    kafkaBrokers: read('KAFKA_BROKERS'),
    identity: JSON.parse(read('E2E_SERVICE_IDENTITY')) as ServiceIdentity,
  };
}

/** A bearer token of the run's signing secret for a tenant and scopes (all scopes by default). */
export function tokenFor(tenant: string, scopes: readonly Scope[] = SCOPES, subject = `e2e-${tenant}`): Promise<string> {
  return mintHs256Token({ secret: e2eContext().jwtSecret, tenant, scopes, subject });
}
