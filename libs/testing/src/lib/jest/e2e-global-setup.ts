// Jest loads global setup with plain `require`, which knows nothing of the `@media/*` path aliases.
import 'tsconfig-paths/register';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { serviceIdentityEnv } from '@media/service-identity';
import { startInfrastructure } from '../infra/infrastructure';
import { findRepoRoot } from '../infra/repo-root';
import { type RunningSuite, startSuite } from '../infra/suite.process';

declare global {
  var __mediaSuite: RunningSuite | undefined;
}

/**
 * End-to-end tier: the real servers, then the four built services as processes, once per run. Tests
 * reach them through E2E_* variables; service logs land in reports/e2e-logs/.
 */
export default async function e2eGlobalSetup(): Promise<void> {
  const repoRoot = findRepoRoot();
  const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);
  const infrastructure = await startInfrastructure({ repoRoot, log });
  globalThis.__mediaInfrastructure = infrastructure;
  const logs = path.join(repoRoot, 'reports', 'e2e-logs');
  mkdirSync(logs, { recursive: true });
  const jwtSecret = randomBytes(32).toString('base64url');
  const identity = serviceIdentityEnv();
  const suite = await startSuite({
    repoRoot,
    mongodbUri: infrastructure.mongodbUri,
    kafkaBrokers: infrastructure.kafkaBrokers,
    database: `e2e_${randomBytes(4).toString('hex')}`,
    jwtSecret,
    identity,
    logs,
    env: {
      all: { LOG_LEVEL: 'info', UPLOAD_TTL_SECONDS: process.env['E2E_UPLOAD_TTL_SECONDS'] ?? '86400' },
      // The webhook receivers of the tests listen on loopback; retries are seconds apart so tests stay short.
      fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32', WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,2', WEBHOOK_POLL_INTERVAL_MS: '200' },
      // The tus tests check the CORS answers a browser on this origin gets.
      'ingest-api': { TUS_CORS_ORIGINS: 'http://browser.test' },
      // Hostile files that only stop at the wall-clock bound (a PDF bomb) must not hold a worker for 15 minutes.
      encoder: { ENCODER_JOB_TIMEOUT_SECONDS: '30' },
    },
  });
  globalThis.__mediaSuite = suite;
  process.env['MONGODB_URI'] = infrastructure.mongodbUri;
  process.env['KAFKA_BROKERS'] = infrastructure.kafkaBrokers;
  process.env['E2E_DATABASE_URI'] = suite.mongodbUri;
  process.env['E2E_JWT_SECRET'] = jwtSecret;
  // Tests act as a service's client (and start replicas) with the same keys the suite runs with.
  process.env['E2E_SERVICE_IDENTITY'] = JSON.stringify(identity);
  for (const [service, url] of Object.entries(suite.urls)) process.env[`E2E_${service.toUpperCase().replace('-', '_')}_URL`] = url;
  log(`suite up: gateway ${suite.urls['ingest-api']}, storage ${suite.urls.storage}`);
}
