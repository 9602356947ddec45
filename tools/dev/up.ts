/**
 * Runs the suite: infrastructure (unless MONGODB_URI / KAFKA_BROKERS point elsewhere), then the four built
 * services wired together, each waited for until ready. Ctrl-C stops everything it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ConnectionString from 'mongodb-connection-string-url';
import { freePort, startInfrastructure, waitFor } from '@media/testing';
import { devSecretFile, devStateDir } from './dev-paths';

const repoRoot = path.resolve(__dirname, '../..');
const SERVICES = ['ingest-api', 'storage', 'encoder', 'fanout'] as const;
const PREFERRED_PORTS: Record<(typeof SERVICES)[number], number> = { 'ingest-api': 3000, storage: 3001, encoder: 3002, fanout: 3003 };

async function portFor(preferred: number): Promise<number> {
  // The familiar port when it is free; any free port otherwise, so a busy 3000 never blocks the suite.
  const probe = await import('node:net').then(
    ({ createServer }) =>
      new Promise<boolean>((resolve) => {
        const server = createServer().once('error', () => resolve(false));
        server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(true)));
      }),
  );
  return probe ? preferred : freePort();
}

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
  const infra = await startInfrastructure({ repoRoot, log });
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await infra.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const mongo = new ConnectionString(infra.mongodbUri);
  mongo.pathname = '/media';
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await portFor(PREFERRED_PORTS[s])]))) as Record<
    (typeof SERVICES)[number],
    number
  >;
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    MONGODB_URI: mongo.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers,
    JWT_HS256_SECRET: devSecret(),
  };
  for (const service of SERVICES) {
    const main = path.join(repoRoot, 'dist', 'apps', service, 'main.js');
    const child = spawn(process.execPath, [main], { env: { ...env, PORT: String(ports[service]) }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => {
      if (!stopping) {
        log(`${service} exited with ${code}; stopping the suite`);
        void stop(1);
      }
    });
    children.push(child);
  }
  await Promise.all(
    SERVICES.map((service) =>
      waitFor(`${service} readiness`, async () => (await fetch(`http://127.0.0.1:${ports[service]}/health/ready`)).ok, { timeoutMs: 120_000 }),
    ),
  );
  const gateway = `http://127.0.0.1:${ports['ingest-api']}`;
  process.stdout.write(
    [
      '',
      'The suite is up.',
      `  gateway (ingest-api):  ${gateway}`,
      ...SERVICES.filter((s) => s !== 'ingest-api').map((s) => `  ${s.padEnd(21)} http://127.0.0.1:${ports[s]}`),
      `  MongoDB:               ${mongo.toString()}`,
      `  Kafka:                 ${infra.kafkaBrokers}`,
      '',
      'A development token:   npm run token -- --tenant acme --scopes assets,assets_publish,assets_delete,webhooks',
      `Health:                curl ${gateway}/health/ready`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[suite] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
