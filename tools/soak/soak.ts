/**
 * `npm run soak [-- --minutes 30 --rate 5]`: steady mixed traffic against the four built services on their
 * own Kafka and database (or MONGODB_URI / KAFKA_BROKERS), then a report in reports/soak/ (latency per route,
 * errors, event lag, memory of each service over time with its slope per hour, database growth). The
 * traffic and the report are libs/testing's `runSoak` and `renderSoakReport`, which a one-minute version in
 * the end-to-end tier runs too.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { findRepoRoot, makePhoto, renderSoakReport, runSoak, startInfrastructure, startSuite } from '@media/testing';
import { UNREACHABLE_QUOTAS } from '../bench/bench-suite.util';

const options = new Command()
  .option('--minutes <n>', 'minutes of traffic', '30')
  .option('--rate <n>', 'operations started per second', '5')
  .option('--sample-seconds <n>', 'seconds between memory samples', '10')
  .option('--out <file>', 'the report', 'reports/soak/soak.md')
  .parse()
  .opts<{ minutes: string; rate: string; sampleSeconds: string; out: string }>();

async function main(): Promise<void> {
  const repoRoot = findRepoRoot();
  const log = (line: string) => process.stderr.write(`[soak] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const logs = path.join(repoRoot, 'reports', 'soak', 'logs');
  await rm(logs, { recursive: true, force: true });
  await mkdir(logs, { recursive: true });
  const infrastructure = await startInfrastructure({ repoRoot, log });
  const jwtSecret = randomUUID() + randomUUID();
  const tenant = `soak-${randomUUID().slice(0, 8)}`;
  const fixtures = await mkdtemp(path.join(os.tmpdir(), 'soak-'));
  try {
    const suite = await startSuite({
      repoRoot,
      mongodbUri: infrastructure.mongodbUri,
      kafkaBrokers: infrastructure.kafkaBrokers,
      database: `soak_${Date.now()}`,
      jwtSecret,
      logs,
      env: {
        all: { LOG_LEVEL: 'warn' },
        // A tenant's quotas are not what a soak measures; the limiter still runs on every request.
        'ingest-api': UNREACHABLE_QUOTAS,
        // The receiver is on loopback, which webhooks refuse unless allow-listed.
        fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32', WEBHOOK_POLL_INTERVAL_MS: '200' },
      },
    });
    try {
      const photo = await readFile(await makePhoto(fixtures, { size: '320x240' }));
      const minutes = Number(options.minutes);
      log(`${minutes} minutes at ${options.rate} operations per second`);
      const result = await runSoak(
        {
          gateway: suite.urls['ingest-api'],
          services: suite.urls,
          token: await mintHs256Token({ secret: jwtSecret, tenant, scopes: SCOPES, subject: 'soak' }),
          tenant,
          databaseUri: suite.mongodbUri,
        },
        { durationMs: minutes * 60_000, rate: Number(options.rate), sampleIntervalMs: Number(options.sampleSeconds) * 1000, quiesceMs: 120_000, photo, log },
      );
      const warnings = await processWarnings(logs);
      const report = renderSoakReport(result, {
        command: `npm run soak -- --minutes ${options.minutes} --rate ${options.rate}`,
        machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, shared with other work (load average ${os.loadavg()[0]?.toFixed(1)} at the end); Kafka and mongo-java-server (in memory) on the same machine.`,
        warnings,
      });
      const out = path.resolve(repoRoot, options.out);
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, report);
      log(`report: ${path.relative(repoRoot, out)} (${result.errorCount} errors)`);
      process.exitCode = result.errorCount === 0 ? 0 : 1;
    } finally {
      await suite.stop();
    }
  } finally {
    await infrastructure.stop();
    await rm(fixtures, { recursive: true, force: true });
  }
}

/** Node's process warnings (MaxListenersExceededWarning and the like) in the services' logs. */
async function processWarnings(logs: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(logs)) {
    const text = await readFile(path.join(logs, name), 'utf8');
    for (const line of text.split('\n')) if (/\(node:\d+\) \w*Warning/.test(line)) found.push(`${name}: ${line.trim()}`);
  }
  return found;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
