/**
 * Runs the suite: infrastructure (unless MONGODB_URI / KAFKA_BROKERS point elsewhere), then the four built
 * services wired together, each waited for until ready. Ctrl-C stops everything it started.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { startInfrastructure, startSuite } from '@media/testing';
import { parseArgs } from 'node:util';
import { devDataDir, devSecretFile, devStateDir } from './dev-paths';

const repoRoot = path.resolve(__dirname, '../..');

/** One secret per checkout, so tokens minted yesterday still work after a restart. */
function devSecret(): string {
  const file = devSecretFile(repoRoot);
  if (!existsSync(file)) {
    mkdirSync(devStateDir(repoRoot), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[suite] ${line}\n`);
  const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false }, 'in-memory': { type: 'boolean', default: false } } });
  // Yesterday's uploads are still there after a restart: the data lives under .cache/dev/data.
  const dataDir = devDataDir(repoRoot);
  if (values.fresh) {
    log(`--fresh: emptying ${dataDir}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const infra = await startInfrastructure({ repoRoot, log, ...(values['in-memory'] ? {} : { dataDir }) });
  const stopInfra = async () => infra.stop();
  const suite = await startSuite({
    repoRoot,
    mongodbUri: infra.mongodbUri,
    kafkaBrokers: infra.kafkaBrokers,
    database: 'media',
    jwtSecret: devSecret(),
    ports: { 'ingest-api': 3000, storage: 3001, encoder: 3002, fanout: 3003 },
    logs: 'inherit',
  }).catch(async (error: unknown) => {
    await stopInfra();
    throw error;
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    await suite.stop();
    await stopInfra();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const gateway = suite.urls['ingest-api'];
  // Ready to paste into the console: tenant acme, every scope, a day long (the gateway's longest lifetime).
  const consoleToken = await mintHs256Token({ secret: devSecret(), tenant: 'acme', scopes: SCOPES, subject: 'dev-console', ttlSeconds: 24 * 60 * 60 });
  process.stdout.write(
    [
      '',
      'The suite is up.',
      `  gateway (ingest-api):  ${gateway}   (API docs: ${gateway}/docs)`,
      `  console:               ${gateway}/console`,
      `  storage:               ${suite.urls.storage}`,
      `  encoder:               ${suite.urls.encoder}`,
      `  fanout:                ${suite.urls.fanout}`,
      `  MongoDB:               ${suite.mongodbUri}`,
      `  Kafka:                 ${infra.kafkaBrokers}`,
      values['in-memory'] ? '  Data:                  in memory (gone at Ctrl-C)' : `  Data:                  ${dataDir} (kept; \`npm start -- --fresh\` starts empty)`,
      '',
      'A development token for the console (tenant acme, every scope, valid 24 h):',
      `  ${consoleToken}`,
      'More tokens:',
      '  TOKEN=$(npm run -s token -- --tenant acme --scopes assets,assets_publish,assets_delete,webhooks)',
      `  curl -H "Authorization: Bearer $TOKEN" -F source=@photo.jpg ${gateway}/assets`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[suite] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
