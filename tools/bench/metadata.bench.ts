/**
 * `npm run bench -- metadata`: only the metadata read path of issue #10, repeated, without the upload
 * benchmark's 1 GiB source file and warm-up. Starts Kafka, the database server and the four built services
 * (ingest-api logging at its default level, quotas out of reach as in the upload benchmark), seeds
 * BENCH_METADATA_ASSETS open uploads (10,000), then BENCH_REPS (3) rounds of `GET /assets/{id}` against the
 * driver's `findOne({_id})` for BENCH_SECONDS (10) each, paired: each round's ratio is of the same minute.
 * BENCH_CPU_PROF=<dir>: ingest-api writes a V8 CPU profile there when it stops.
 * Prints one JSON line per round and a summary to stdout; writes nothing else.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { serviceIdentityEnv } from '@media/service-identity';
import { findRepoRoot, startInfrastructure, startSuite } from '@media/testing';
import { UNREACHABLE_QUOTAS } from './bench-suite.util';
import { cannon, driverRate, outboxDrained, seedAssets } from './metadata-read.measure';

const int = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
};
const ASSETS = int('BENCH_METADATA_ASSETS', 10_000);
const REPS = int('BENCH_REPS', 3);
const SECONDS = int('BENCH_SECONDS', 10);
const CONNECTIONS = 16;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const repoRoot = findRepoRoot(__dirname);
  const infra = await startInfrastructure({ repoRoot, log: (line) => log(`[infra] ${line}`) });
  try {
    const jwtSecret = randomBytes(32).toString('base64url');
    const profileDir = process.env['BENCH_CPU_PROF'];
    const suite = await startSuite({
      identity: serviceIdentityEnv(),
      repoRoot,
      mongodbUri: infra.mongodbUri,
      kafkaBrokers: infra.kafkaBrokers,
      database: `bench_${randomBytes(4).toString('hex')}`,
      jwtSecret,
      logs: path.join(repoRoot, 'reports', 'bench', 'partial', 'logs'),
      nodeArgs: profileDir ? { 'ingest-api': ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`, `--cpu-prof-name=ingest-api.${Date.now()}.cpuprofile`] } : {},
      // JWT_VERIFIED_CACHE_SECONDS=0 measures the path without the verified-token cache (a before/after of one build).
      env: { 'ingest-api': { ...UNREACHABLE_QUOTAS, ...(process.env['JWT_VERIFIED_CACHE_SECONDS'] ? { JWT_VERIFIED_CACHE_SECONDS: process.env['JWT_VERIFIED_CACHE_SECONDS'] } : {}) } },
    });
    const client = await MongoClient.connect(suite.mongodbUri);
    try {
      const gateway = suite.urls['ingest-api'];
      const token = await mintHs256Token({ secret: jwtSecret, tenant: 'bench-reads', scopes: SCOPES, subject: 'metadata-bench' });
      log(`seeding ${ASSETS} assets`);
      const ids = await seedAssets(gateway, token, ASSETS);
      log('waiting until the outbox has published the seed');
      await outboxDrained(client.db().collection<{ _id: string }>('assets'));
      const recent = ids.slice(-1000);
      let cursor = 0;
      const nextId = () => recent[cursor++ % recent.length] as string;
      const assets = client.db().collection<{ _id: string }>('assets');
      const ratios: number[] = [];
      const health = await cannon(`${gateway}/health/live`, undefined, CONNECTIONS, SECONDS);
      for (let rep = 0; rep < REPS; rep += 1) {
        const api = await cannon(gateway, token, CONNECTIONS, SECONDS, () => `/assets/${nextId()}`);
        const driver = await driverRate(CONNECTIONS, SECONDS, () => assets.findOne({ _id: nextId() }));
        const ratio = api.requestsPerSecond / driver.requestsPerSecond;
        ratios.push(ratio);
        process.stdout.write(`${JSON.stringify({ rep, api, driver, ratio: Number(ratio.toFixed(3)) })}\n`);
      }
      ratios.sort((a, b) => a - b);
      process.stdout.write(`${JSON.stringify({ assets: ASSETS, healthLive: health, ratioMedian: ratios[Math.floor(ratios.length / 2)] })}\n`);
    } finally {
      await client.close();
      await suite.stop();
    }
  } finally {
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
