/**
 * What keeping `npm start`'s data costs: the database and the broker started throwaway (the database in
 * memory, as the tests run them) against started on a kept data folder (mongo-java-server's H2 MVStore
 * backend, the broker's log kept), then restarted on that folder with the data in it.
 *
 *   npx tsx tools/dev/measure-persistence.ts [--size-mb 64] [--runs 3]
 *
 * Per mode: start-up to ready, the database checks of tools/db-eval/evaluate.ts (GridFS round trip MB/s,
 * small inserts and finds per second) and stop time. Writes reports/bench/persistence.md.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { startInfrastructure } from '@media/testing';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../..');
const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '64' }, runs: { type: 'string', default: '3' } } });
const sizeMb = values['size-mb'] ?? '64';
const runs = Number(values.runs ?? '3');

interface Sample {
  mode: string;
  startMs: number;
  uploadMBps: number;
  downloadMBps: number;
  insertPerSec: number;
  findByIdPerSec: number;
  stopMs: number;
}

async function measure(mode: string, dataDir: string | undefined): Promise<Sample> {
  const env = { ...process.env, MONGODB_URI: '', KAFKA_BROKERS: '' };
  const started = Date.now();
  const infra = await startInfrastructure({ repoRoot, env, ...(dataDir ? { dataDir } : {}) });
  const startMs = Date.now() - started;
  try {
    const { stdout } = await execFileAsync('npx', ['tsx', path.join(repoRoot, 'tools', 'db-eval', 'evaluate.ts')], {
      env: { ...process.env, MONGODB_URI: infra.mongodbUri, EVAL_LABEL: mode, EVAL_SIZE_MB: sizeMb, EVAL_ROUNDS: '20' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const json = JSON.parse(stdout.slice(0, stdout.lastIndexOf('}') + 1)) as {
      gridfs: { uploadMBps: number; downloadMBps: number };
      smallOps: { insertPerSec: number; findByIdPerSec: number } | { error: string };
    };
    const small = 'error' in json.smallOps ? { insertPerSec: Number.NaN, findByIdPerSec: Number.NaN } : json.smallOps;
    const stopping = Date.now();
    await infra.stop();
    return { mode, startMs, uploadMBps: json.gridfs.uploadMBps, downloadMBps: json.gridfs.downloadMBps, ...small, stopMs: Date.now() - stopping };
  } catch (error) {
    await infra.stop();
    throw error;
  }
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const samples: Sample[] = [];
  for (let run = 0; run < runs; run += 1) {
    samples.push(await measure('in memory (tests)', undefined));
    const dataDir = await mkdtemp(path.join(tmpdir(), 'persistence-'));
    try {
      samples.push(await measure('kept folder, empty', dataDir));
      samples.push(await measure('kept folder, restarted with data', dataDir));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    process.stderr.write(`run ${run + 1}/${runs} done\n`);
  }
  const modes = [...new Set(samples.map((sample) => sample.mode))];
  const fixed = (value: number, digits = 0) => value.toFixed(digits);
  const rows = modes.map((mode) => {
    const of = samples.filter((sample) => sample.mode === mode);
    const pick = (key: keyof Omit<Sample, 'mode'>) => median(of.map((sample) => sample[key]));
    return `| ${mode} | ${fixed(pick('startMs'))} | ${fixed(pick('uploadMBps'), 1)} / ${fixed(pick('downloadMBps'), 1)} | ${fixed(pick('insertPerSec'))} / ${fixed(pick('findByIdPerSec'))} | ${fixed(pick('stopMs'))} |`;
  });
  const report = [
    '# Keeping the local data: what it costs',
    '',
    `\`npx tsx tools/dev/measure-persistence.ts --size-mb ${sizeMb} --runs ${runs}\`, medians of ${runs} runs on this machine.`,
    'Start = both servers started and answering; GridFS = a ' + sizeMb + ' MiB file written and read back;',
    'small ops = single-document inserts and finds by id per second (tools/db-eval/evaluate.ts).',
    '',
    '| mode | start (ms) | GridFS up / down (MB/s) | inserts / finds per s | stop (ms) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(path.join(repoRoot, 'reports', 'bench'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'reports', 'bench', 'persistence.md'), report);
  process.stdout.write(report);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
