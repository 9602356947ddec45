import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { findRepoRoot, type RunningSuite, startInfrastructure, startSuite, type SuiteOptions } from '@media/testing';

export interface BenchSuite {
  suite: RunningSuite;
  kafkaBrokers: string;
  /** reports/bench: where each benchmark writes its report. */
  reports: string;
  /** A token of the suite's signing secret with every scope. */
  token(tenant: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Per-tenant quotas no benchmark reaches, for ingest-api: the limiter still runs on every request (its cost
 * is part of what is measured), but the benchmarks measure throughput, not a tenant's share.
 */
export const UNREACHABLE_QUOTAS = {
  RATE_LIMIT_READS_PER_SECOND: '1000000',
  RATE_LIMIT_READS_BURST: '1000000',
  RATE_LIMIT_WRITES_PER_SECOND: '1000000',
  RATE_LIMIT_WRITES_BURST: '1000000',
  RATE_LIMIT_UPLOAD_BYTES_PER_SECOND: String(2 ** 40),
  RATE_LIMIT_UPLOAD_BYTES_BURST: String(2 ** 40),
};

/**
 * What the service benchmarks run against: their own Kafka and database (or MONGODB_URI / KAFKA_BROKERS),
 * and the four built services on a fresh database, quiet logs in reports/bench/logs.
 */
export async function startBenchSuite(name: string, env: SuiteOptions['env'] = {}): Promise<BenchSuite> {
  const repoRoot = findRepoRoot();
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const reports = path.join(repoRoot, 'reports', 'bench');
  const logs = path.join(reports, 'logs');
  await mkdir(logs, { recursive: true });
  const infrastructure = await startInfrastructure({ repoRoot, log });
  const jwtSecret = randomUUID() + randomUUID();
  try {
    const suite = await startSuite({
      repoRoot,
      mongodbUri: infrastructure.mongodbUri,
      kafkaBrokers: infrastructure.kafkaBrokers,
      database: `bench_${name}_${Date.now()}`,
      jwtSecret,
      logs,
      env: { ...env, all: { LOG_LEVEL: 'warn', ...env.all }, 'ingest-api': { ...UNREACHABLE_QUOTAS, ...env['ingest-api'] } },
    });
    return {
      suite,
      kafkaBrokers: infrastructure.kafkaBrokers,
      reports,
      token: (tenant) => mintHs256Token({ secret: jwtSecret, tenant, scopes: SCOPES, subject: 'bench' }),
      stop: async () => {
        await suite.stop();
        await infrastructure.stop();
      },
    };
  } catch (error) {
    await infrastructure.stop();
    throw error;
  }
}
