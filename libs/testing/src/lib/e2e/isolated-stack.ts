import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type RunningKafka, startKafka } from '../infra/kafka.process';
import { findRepoRoot } from '../infra/repo-root';
import { type RunningSuite, type ServiceName, startSuite } from '../infra/suite.process';
import { e2eContext } from './e2e-context';

export interface IsolatedStack {
  suite: RunningSuite;
  /** The stack's own broker: halt and resume it, or read its topics, without touching the shared suite. */
  kafka: RunningKafka;
  /** The stack's own database on the shared MongoDB-wire server. */
  databaseUri: string;
  gateway: string;
  stop(): Promise<void>;
}

export interface IsolatedStackOptions {
  /** A short name for the log folder (reports/e2e-logs/<name>/). */
  name: string;
  services: readonly ServiceName[];
  env?: Partial<Record<ServiceName | 'all', NodeJS.ProcessEnv>>;
}

/**
 * Services of its own, for tests that kill processes or stop the broker: a private Kafka and database, so
 * neither the shared suite's consumers nor its relay can see (or steal) this stack's work. Tokens of the
 * run's signing secret (`tokenFor`) are valid here too.
 */
export async function startIsolatedStack(options: IsolatedStackOptions): Promise<IsolatedStack> {
  const repoRoot = findRepoRoot();
  const context = e2eContext();
  const kafka = await startKafka({ repoRoot });
  const logs = path.join(repoRoot, 'reports', 'e2e-logs', options.name);
  mkdirSync(logs, { recursive: true });
  const mongodbUri = process.env['MONGODB_URI'];
  if (!mongodbUri) throw new Error('MONGODB_URI is unset: run end-to-end tests through jest.e2e.config.ts');
  try {
    const suite = await startSuite({
      repoRoot,
      mongodbUri,
      kafkaBrokers: kafka.brokers,
      database: `${options.name.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`,
      jwtSecret: context.jwtSecret,
      identity: context.identity,
      logs,
      services: options.services,
      env: { ...options.env, all: { LOG_LEVEL: 'info', ...options.env?.all } },
    });
    return {
      suite,
      kafka,
      databaseUri: suite.mongodbUri,
      gateway: suite.urls['ingest-api'],
      stop: async () => {
        await suite.stop();
        await kafka.stop();
      },
    };
  } catch (error) {
    await kafka.stop();
    throw error;
  }
}
