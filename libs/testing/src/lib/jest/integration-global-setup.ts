import { type Infrastructure, startInfrastructure } from '../infra/infrastructure';
import { findRepoRoot } from '../infra/repo-root';

declare global {
  // Shared between jest's global setup and teardown, which run in the same parent process.
  var __mediaInfrastructure: Infrastructure | undefined;
}

/** Starts the real servers once per test run; workers inherit their addresses through the environment. */
export default async function integrationGlobalSetup(): Promise<void> {
  const started = Date.now();
  const infrastructure = await startInfrastructure({
    repoRoot: findRepoRoot(),
    log: (line) => process.stderr.write(`[infra] ${line}\n`),
  });
  globalThis.__mediaInfrastructure = infrastructure;
  process.env['MONGODB_URI'] = infrastructure.mongodbUri;
  process.env['KAFKA_BROKERS'] = infrastructure.kafkaBrokers;
  process.stderr.write(
    `[infra] mongodb ${infrastructure.mongodbUri}, kafka ${infrastructure.kafkaBrokers} ` +
      `(started here: ${infrastructure.started.join(', ') || 'none'}) in ${Date.now() - started} ms\n`,
  );
}
