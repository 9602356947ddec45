/**
 * `npm run chaos`: an isolated stack with two replicas of every service, seeded clients and seeded faults
 * (kill -9, SIGTERM, a frozen broker, a database restart), then the invariant checker. Writes
 * reports/chaos/<time>-seed-<seed>.md and exits 1 on any violation, printing the seed and the histories
 * of the assets concerned. `--seed` replays a run's draws (timing on a loaded machine still varies).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { chaosLogs, chaosReport, findRepoRoot, formatViolations, runChaos, type RunningMongo, startKafka, startMongo } from '@media/testing';

const program = new Command()
  .name('chaos')
  .option('--minutes <n>', 'how long clients and faults run', '10')
  .option('--seed <n>', 'seed of the clients and the faults (printed; a random one when not given)')
  .option('--clients <n>', 'concurrent clients', '4')
  .option('--replicas <n>', 'processes per service', '2')
  .option('--fault-gap <seconds>', 'mean pause between two faults', '10')
  .option('--no-db-restarts', 'keep the database server up (it then runs in memory)')
  .parse();
const flags = program.opts<{ minutes: string; seed?: string; clients: string; replicas: string; faultGap: string; dbRestarts: boolean }>();

async function main(): Promise<number> {
  const repoRoot = findRepoRoot();
  const seed = flags.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(flags.seed);
  const minutes = Number(flags.minutes);
  const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  log(`seed ${seed}, ${minutes} min (replay: npm run chaos -- --seed ${seed} --minutes ${minutes})`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chaos-db-'));
  // With database restarts the server keeps its data on disk (H2) and comes back on the same port.
  // Its log is kept beside the services' logs: a violation may need the server's side of a restart.
  const persistent = { logFile: path.join(chaosLogs(repoRoot, `seed-${seed}`), 'mongo.log'), ...(flags.dbRestarts ? { dataDir: path.join(dataDir, 'mongo') } : {}) };
  mkdirSync(path.dirname(persistent.logFile), { recursive: true });
  let mongo: RunningMongo = await startMongo({ repoRoot, log, ...persistent });
  const port = Number(new URL(mongo.uri).port);
  const kafka = await startKafka({ repoRoot, log });
  const restartDatabase = flags.dbRestarts
    ? async () => {
        await mongo.stop();
        mongo = await startMongo({ repoRoot, log, port, ...persistent });
      }
    : undefined;
  let keepData = false;
  try {
    const result = await runChaos({
      repoRoot,
      name: `seed-${seed}`,
      seed,
      durationMs: minutes * 60_000,
      clients: Number(flags.clients),
      replicasPerService: Number(flags.replicas),
      mongodbUri: mongo.uri,
      broker: kafka,
      restartDatabase,
      meanFaultGapMs: Number(flags.faultGap) * 1000,
      uploadTtlSeconds: 60,
      gcGraceSeconds: 60,
      log,
    });
    const folder = path.join(repoRoot, 'reports', 'chaos');
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${result.startedAt.slice(0, 16).replace(/[:T]/g, '-')}-seed-${seed}.md`);
    writeFileSync(file, chaosReport(result, `npm run chaos -- --seed ${seed} --minutes ${minutes}${flags.dbRestarts ? '' : ' --no-db-restarts'}`));
    log(`report: ${path.relative(repoRoot, file)}`);
    if (result.violations.length > 0) {
      // The database as the checker saw it, for a look at what is (not) there: kept, not removed.
      keepData = flags.dbRestarts;
      if (keepData) log(`database files kept in ${dataDir} (start a server on them: java … Launcher <port> h2 ${path.join(dataDir, 'mongo', 'mongo.mv')})`);
      process.stdout.write(`${formatViolations(result)}\n`);
      return 1;
    }
    process.stdout.write(`seed ${seed}: 0 violations; ${result.acked} acknowledged writes, ${result.faults.length} faults\n`);
    return 0;
  } finally {
    kafka.thaw();
    await kafka.stop();
    await mongo.stop();
    if (!keepData) await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
