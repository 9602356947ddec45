/**
 * Upload benchmark (a command, not a test): `npm run bench`.
 *
 * Starts its own Kafka, MongoDB-wire server and the four built services, measures the upload paths of
 * ingest-api against a direct GridFS upload to the same server, writes reports/bench/upload.md and
 * upload.json, prints a summary and stops everything. See upload.md's "Method" for what is measured.
 *
 * Knobs for a shorter run while working on it (the defaults are what the report's goals are about):
 * BENCH_LARGE_MIB (1024), BENCH_REPS (5), BENCH_FINISH_REPS (5). MONGO_JAVA_OPTS is honoured when set.
 * `--quick` (or BENCH_QUICK=1): a smoke run of every measurement in a few minutes (256 MiB, one
 * repetition, fewer reads and assets); its report says so and its ratios are indicative only.
 * BENCH_CPU_PROF=<dir>: ingest-api and storage write V8 CPU profiles (node --cpu-prof) there.
 * BENCH_STORAGE_ENV='{"NAME":"value"}': extra environment for storage alone (e.g. NODE_OPTIONS or glibc's
 * MALLOC_* tunables), to try a runtime setting on storage without touching the other processes.
 * `--only=<section,…>`: only those sections (after the warm-up), reported to reports/bench/partial/ so the
 * full report is not overwritten by a partial one. Sections: memory, chunked, one-request, finish,
 * fastest, downloads, concurrent, metadata, hashing.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Db, MongoClient } from 'mongodb';
import ConnectionString from 'mongodb-connection-string-url';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { type PrivateServiceKey, ServiceTokenIssuer, serviceIdentityEnv } from '@media/service-identity';
import { findRepoRoot, type RunningSuite, startInfrastructure, startSuite, waitFor } from '@media/testing';
import { addCpuUse, type CpuUse, startCpuMeter } from './cpu-meter.util';
import { LoadGenerator } from './load-generator';
import { type AssetBody, MediaApiClient } from './media-api.client';
import { commandLine, findChildPid, peakRssBytes, resetPeakRss, rssBytes } from './proc-usage.util';
import { measureHashCost } from './hash-cost.util';
import { startHeapSampler } from './heap-sampler.util';
import { jvmFullGc } from './jvm-gc.util';
import { writeRandomFile } from './random-file.util';
import { UNREACHABLE_QUOTAS } from './bench-suite.util';
import { measureMetadataReads, seedAssets } from './metadata-read.measure';
import { concurrentResult, measureDownloads, measureRanges, type ReadPathResult } from './read-path.measure';
import { startRssSampler } from './rss-sampler';
import { gcSeconds } from './service-metrics.util';
import { type Summary, summarize } from './stats.util';
import {
  type BenchConfig,
  type BenchResult,
  type CompletionProbe,
  CPU_KINDS,
  GiB,
  type MachineFacts,
  MiB,
  type MemoryResult,
  type ProcessMemory,
  renderMarkdown,
  type ThroughputResult,
} from './upload-report';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

const QUICK = process.argv.includes('--quick') || process.env['BENCH_QUICK'] === '1';
const SECTION_KEYS = ['memory', 'chunked', 'one-request', 'finish', 'fastest', 'downloads', 'concurrent', 'metadata', 'hashing'] as const;
type SectionKey = (typeof SECTION_KEYS)[number];
const ONLY = ((): ReadonlySet<SectionKey> | undefined => {
  const flag = process.argv.find((arg) => arg.startsWith('--only='));
  if (!flag) return undefined;
  const keys = flag.slice('--only='.length).split(',').filter(Boolean);
  const unknown = keys.filter((key) => !(SECTION_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTION_KEYS.join(', ')}`);
  return new Set(keys as SectionKey[]);
})();
/** Whether a section runs in this invocation (all of them without `--only`). */
const selected = (key: SectionKey): boolean => ONLY === undefined || ONLY.has(key);

const CONFIG: BenchConfig = {
  quick: QUICK,
  largeBytes: Math.max(100, positiveInt('BENCH_LARGE_MIB', QUICK ? 256 : 1024)) * MiB,
  chunkBytes: 50 * MiB, // the seed's (and the server's suggested) chunk size
  oneRequestBytes: 100 * MiB,
  smallBytes: 10 * MiB,
  repetitions: positiveInt('BENCH_REPS', QUICK ? 1 : 5),
  finishRepetitions: positiveInt('BENCH_FINISH_REPS', QUICK ? 1 : 5),
  concurrentClients: 8,
  chunksPerClient: 2,
  rssIntervalMs: 50,
  // Storage's GRIDFS_CHUNK_SIZE (apps/storage/src/app/storage.constants.ts): the baseline writes the same
  // number and size of chunk documents as the API path does, not the driver's 255 KiB default.
  gridFsChunkBytes: 262_144,
};
const GOALS = { throughputRatio: 0.85, finishMs: 100, rssGrowthBytes: 64 * MiB, rangeP99Ratio: 1.5, metadataReadRatio: 0.6 };
/** The metadata reads run as a tenant of their own, so the list counts only the assets seeded for them. */
const READS_TENANT = 'bench-reads';
/** When the finish-latency goal is missed: large uploads whose finish waits this long after the last chunk. */
const FINISH_DIAGNOSIS_REPS = 3;
const FINISH_PAUSE_MS = 2_000;
/** How long storage gets to remove a deleted asset's bytes (it does so on the asset.deleted event). */
const BYTES_GONE_TIMEOUT_MS = 30_000;
/**
 * 1 GiB files (API and baseline, one at a time) and 8 × 100 MiB at once live in the in-memory server's
 * heap. A fixed starting size keeps heap growth (full collections) out of whichever run comes first.
 */
const DEFAULT_MONGO_JAVA_OPTS = '-Xms4g -Xmx8g';
const RSS_JUDGED = ['ingest-api', 'storage'];
/** How often the memory section reads the services' heap gauges (a metrics scrape each). */
const HEAP_INTERVAL_MS = 200;
/** The machine is shared: before measuring, wait (bounded) until other processes use less than this. */
const QUIET_OTHER_CORES = 0.25;
// A quick run is a smoke test: it does not wait for a quiet machine nor repeat disturbed measurements.
const QUIET_WAIT_MS = QUICK ? 2_000 : 60_000;
/** Above this average during a measurement, other processes' load disturbs it: it is measured again. */
const DISTURBING_OTHER_CORES = 0.15;
const MAX_RETRIES = QUICK ? 0 : 2;
const RETRY_QUIET_WAIT_MS = 45_000;
/**
 * The whole command should end within ~15 minutes: a quiet machine needs ~6. Retries of disturbed
 * measurements stop this long after the start, and the optional finish diagnosis is skipped after this.
 */
const RETRY_BUDGET_MS = 8 * 60_000;
const DIAGNOSIS_BUDGET_MS = 11 * 60_000;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

interface Context {
  /** The uploading clients, in a worker thread (see load-generator.ts). */
  load: LoadGenerator;
  /** A full GC of the database server before each run, where jcmd is available (see jvm-gc.util.ts). */
  collectDatabaseGarbage: (() => Promise<void>) | undefined;
  /** For deletes between runs, which are not measured. */
  api: MediaApiClient;
  db: Db;
  mongodbUri: string;
  storageUrl: string;
  /** What a direct call to storage carries: ingest-api's service token and the tenant. */
  storageHeaders: () => Promise<Record<string, string>>;
  gateway: string;
  /** A token of READS_TENANT. */
  readsToken: string;
  sha256: string;
  prefixSha256: Map<number, string>;
  /** CPU is accounted for these processes (the services, the database server, Kafka). */
  pids: Record<string, number>;
  result: BenchResult;
  /** Date.now() after which disturbed measurements are kept rather than repeated. */
  retryDeadline: number;
  /** Date.now() after which the optional finish diagnosis is skipped. */
  diagnosisDeadline: number;
}

function assertUploaded(asset: AssetBody, size: number, sha256: string | undefined, what: string): void {
  if (asset.status !== 'processing' || asset.file_size !== size) {
    throw new Error(`${what}: expected status processing and ${size} bytes, got ${asset.status} and ${asset.file_size}`);
  }
  if (sha256 !== undefined && asset.checksum?.sha256 !== sha256) {
    throw new Error(`${what}: the server hashed the upload to ${String(asset.checksum?.sha256)}, the file is ${sha256}`);
  }
}

/**
 * Deletes an asset through the API and waits for storage to remove its bytes (it does so when it sees the
 * asset.deleted event), so the in-memory server's heap does not fill up and no deletion runs during the
 * next measurement. If storage has not done it in time, the bytes are deleted directly and counted.
 */
async function deleteAsset(context: Context, assetId: string): Promise<void> {
  const files = context.db.collection<{ _id: string }>('fs.files');
  const chunks = context.db.collection<{ files_id: string }>('fs.chunks');
  const ids = (await files.find({ 'metadata.asset_id': assetId }, { projection: { _id: 1 } }).toArray()).map((file) => file._id);
  await context.api.delete(assetId);
  const gone = async (): Promise<boolean> =>
    (await files.countDocuments({ _id: { $in: ids } }, { limit: 1 })) === 0 && (await chunks.countDocuments({ files_id: { $in: ids } }, { limit: 1 })) === 0;
  try {
    await waitFor(`storage to delete the bytes of asset ${assetId}`, gone, { timeoutMs: BYTES_GONE_TIMEOUT_MS, intervalMs: 200 });
    context.result.cleanup.deletedByStorage += 1;
  } catch {
    await chunks.deleteMany({ files_id: { $in: ids } });
    await files.deleteMany({ _id: { $in: ids } });
    context.result.cleanup.deletedDirectly += 1;
    log(`storage had not deleted the bytes of ${assetId} after ${BYTES_GONE_TIMEOUT_MS} ms; deleted them directly`);
  }
}

function accountCpu(context: Context, kind: keyof typeof CPU_KINDS, use: CpuUse, bytes: number): void {
  const previous = context.result.cpu[kind];
  const total = addCpuUse(previous, use);
  context.result.cpu[kind] = { ...total, bytes: (previous?.bytes ?? 0) + bytes };
}

const mibPerSecond = (bytes: number, seconds: number): number => bytes / MiB / seconds;

async function baselineUpload(context: Context, size: number): Promise<{ mibps: number; cpu: CpuUse }> {
  await context.collectDatabaseGarbage?.();
  const meter = startCpuMeter(context.pids);
  const { seconds } = await context.load.run({ kind: 'baseline', bytes: size });
  const cpu = meter();
  await context.load.run({ kind: 'baseline-cleanup' });
  return { mibps: mibPerSecond(size, seconds), cpu };
}

/**
 * Times, directly on the database server, the lookups storage's completion makes for a finished upload
 * (ResumableUploadService.complete in apps/storage/src/app/uploads/resumable-upload.service.ts): a finish
 * that grows with the file size can then be traced to the query that does.
 */
async function probeCompletionQueries(db: Db, assetId: string): Promise<CompletionProbe> {
  const files = db.collection<{ _id: string; length: number; chunkSize: number }>('fs.files');
  const chunks = db.collection<{ files_id: string; n: number }>('fs.chunks');
  const file = await files.findOne({ 'metadata.asset_id': assetId });
  if (!file) throw new Error(`no GridFS file for asset ${assetId}`);
  const chunkDocs = Math.ceil(file.length / file.chunkSize);
  const medianMs = async (query: () => Promise<unknown>): Promise<number> => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const began = performance.now();
      await query();
      samples.push(performance.now() - began);
    }
    return summarize(samples).median;
  };
  return {
    fileBytes: file.length,
    chunkDocs,
    chunkDocsInCollection: await chunks.countDocuments(),
    findFileMs: await medianMs(() => files.findOne({ _id: file._id })),
    hasLastChunkMs: await medianMs(() => chunks.countDocuments({ files_id: file._id, n: chunkDocs - 1 }, { limit: 1 })),
    // The same question as a plain equality find, which the unique (files_id, n) index can answer.
    findLastChunkMs: await medianMs(() => chunks.findOne({ files_id: file._id, n: chunkDocs - 1 }, { projection: { _id: 1 } })),
    // Matches nothing (no chunk lies past the end), exactly as in a normal completion.
    discardPastEndMs: await medianMs(() => chunks.deleteMany({ files_id: file._id, n: { $gte: chunkDocs } })),
  };
}

interface ChunkedRun {
  mibps: number;
  finishMs: number;
  ingestFinishMs: number;
  storageCompleteMs: number;
  probe?: CompletionProbe;
  cpu: CpuUse;
}

async function apiChunkedUpload(context: Context, size: number, { probe = false, pauseBeforeFinishMs = 0 } = {}): Promise<ChunkedRun> {
  await context.collectDatabaseGarbage?.();
  const meter = startCpuMeter(context.pids);
  const timing = await context.load.run({ kind: 'chunked', start: 0, bytes: size, name: `bench-${size}.bin`, pauseBeforeFinishMs });
  const cpu = meter();
  assertUploaded(timing.asset, size, size === CONFIG.largeBytes ? context.sha256 : context.prefixSha256.get(size), `chunked upload of ${size} bytes`);
  const probed = probe ? await probeCompletionQueries(context.db, timing.asset.id) : undefined;
  await deleteAsset(context, timing.asset.id);
  return {
    mibps: mibPerSecond(size, timing.seconds),
    finishMs: timing.finishMs,
    ingestFinishMs: timing.server.ingestFinishMs,
    storageCompleteMs: timing.server.storageCompleteMs,
    ...(probed ? { probe: probed } : {}),
    cpu,
  };
}

async function apiOneRequestUpload(context: Context, size: number): Promise<{ mibps: number; cpu: CpuUse }> {
  await context.collectDatabaseGarbage?.();
  const meter = startCpuMeter(context.pids);
  const { asset, seconds } = await context.load.run({ kind: 'one-request', bytes: size, name: `bench-${size}.bin` });
  const cpu = meter();
  assertUploaded(asset, size, context.prefixSha256.get(size), `one-request upload of ${size} bytes`);
  await deleteAsset(context, asset.id);
  return { mibps: mibPerSecond(size, seconds), cpu };
}

/**
 * Runs a measurement, and runs it again (after waiting for a quieter machine) when processes that are not
 * this benchmark's took CPU during it: the machine is shared, and their load lands on one side of a pair.
 * Retries stop at MAX_RETRIES or when the run's time budget for them is spent; what is kept then is
 * recorded as disturbed.
 */
async function undisturbed<T>(context: Context, what: string, attempt: () => Promise<{ value: T; cpu: CpuUse[] }>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    const { value, cpu } = await attempt();
    const wall = cpu.reduce((sum, use) => sum + use.wallSeconds, 0);
    const others = cpu.reduce((sum, use) => sum + use.otherSeconds, 0) / wall;
    if (others < DISTURBING_OTHER_CORES) return value;
    const retry = tries <= MAX_RETRIES && Date.now() < context.retryDeadline;
    log(`${what}: other processes used ${others.toFixed(2)} cores meanwhile${retry ? '; measuring again once the machine is quieter' : ''}`);
    if (!retry) {
      context.result.disturbed.push(`${what}: other processes used ${others.toFixed(2)} cores on average`);
      return value;
    }
    context.result.retries += 1;
    await waitForQuietMachine(context.pids, RETRY_QUIET_WAIT_MS);
  }
}

function throughput(api: number[], baseline: number[]): ThroughputResult {
  const apiSummary = summarize(api);
  const baselineSummary = summarize(baseline);
  const ratio = apiSummary.median / baselineSummary.median;
  return {
    api: apiSummary,
    baseline: baselineSummary,
    ratio,
    pairedRatios: summarize(api.map((value, i) => value / (baseline[i] as number))),
    goal: GOALS.throughputRatio,
    met: ratio >= GOALS.throughputRatio,
  };
}

/** First requests pay for JIT (in the JVM too), connection pools and index creation; none of that is measured. */
async function warmUp(context: Context): Promise<void> {
  await apiChunkedUpload(context, CONFIG.oneRequestBytes);
  await apiOneRequestUpload(context, CONFIG.oneRequestBytes);
  await baselineUpload(context, CONFIG.oneRequestBytes);
}

async function measureMemory(context: Context): Promise<MemoryResult> {
  const watched: Record<string, number> = {};
  for (const name of [...RSS_JUDGED, 'mongodb']) {
    const pid = context.pids[name];
    if (pid !== undefined) watched[name] = pid;
  }
  await sleep(2_000); // let the warm-up's garbage be collected and sockets settle
  const idleSamples: Record<string, number[]> = {};
  for (let i = 0; i < 10; i += 1) {
    for (const [name, pid] of Object.entries(watched)) (idleSamples[name] ??= []).push(rssBytes(pid) ?? 0);
    await sleep(100);
  }
  const kernelPeak = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, resetPeakRss(pid)]));
  // V8 heap and Buffers apart, from the services' own gauges: which of the two grows is what to fix.
  const heaps = await startHeapSampler({ 'ingest-api': context.gateway, storage: context.storageUrl }, HEAP_INTERVAL_MS);
  const sampler = await startRssSampler({ pids: watched, intervalMs: CONFIG.rssIntervalMs });
  const bytesPerClient = CONFIG.chunkBytes * CONFIG.chunksPerClient;
  const meter = startCpuMeter(context.pids);
  let concurrent: { seconds: number; uploads: { asset: AssetBody }[] };
  try {
    concurrent = await context.load.run({ kind: 'concurrent-chunked', clients: CONFIG.concurrentClients, bytesPerClient });
  } catch (error) {
    await sampler.stop();
    await heaps.stop();
    throw error;
  }
  const rss = await sampler.stop();
  const heapSplit = await heaps.stop();
  const { seconds, uploads } = concurrent;
  accountCpu(context, 'api-concurrent', meter(), bytesPerClient * CONFIG.concurrentClients);
  const perProcess: Record<string, ProcessMemory> = {};
  for (const [name, pid] of Object.entries(watched)) {
    const idleBytes = summarize(idleSamples[name] ?? [0]).median;
    const peakSampledBytes = rss.peakBytes[name] ?? 0;
    const peakKernelBytes = kernelPeak[name] ? peakRssBytes(pid) : undefined;
    perProcess[name] = {
      idleBytes,
      peakSampledBytes,
      growthSampledBytes: peakSampledBytes - idleBytes,
      ...(peakKernelBytes === undefined ? {} : { peakKernelBytes, growthKernelBytes: peakKernelBytes - idleBytes }),
      ...(heapSplit[name]
        ? {
            heapGrowthBytes: heapSplit[name].peak.heapUsedBytes - heapSplit[name].idle.heapUsedBytes,
            externalGrowthBytes: heapSplit[name].peak.externalBytes - heapSplit[name].idle.externalBytes,
          }
        : {}),
    };
  }
  for (const upload of uploads) assertUploaded(upload.asset, bytesPerClient, undefined, 'concurrent chunked upload');
  for (const upload of uploads) await deleteAsset(context, upload.asset.id);
  const judged = RSS_JUDGED.filter((name) => perProcess[name] !== undefined);
  return {
    clients: CONFIG.concurrentClients,
    bytesPerClient,
    seconds,
    perProcess,
    samples: rss.samples,
    maxGapMs: rss.maxGapMs,
    goalBytes: GOALS.rssGrowthBytes,
    judged,
    met: judged.every((name) => {
      const proc = perProcess[name] as ProcessMemory;
      return proc.growthSampledBytes < GOALS.rssGrowthBytes && (proc.growthKernelBytes ?? 0) < GOALS.rssGrowthBytes;
    }),
  };
}

/** Runs one section; a failure is recorded in the report instead of losing everything measured so far. */
async function section(context: Context, name: string, work: () => Promise<void>): Promise<void> {
  const began = Date.now();
  log(`${name} ...`);
  try {
    await work();
    log(`${name} done in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.result.errors.push(`${name}: ${message}`);
    log(`${name} FAILED: ${message}`);
  }
}

/** API and baseline back to back, in the given order, so both see the same state of the machine. */
async function pair<A extends { cpu: CpuUse }, B extends { cpu: CpuUse }>(apiFirst: boolean, api: () => Promise<A>, baseline: () => Promise<B>): Promise<{ value: { api: A; baseline: B }; cpu: CpuUse[] }> {
  const first = apiFirst ? await api() : undefined;
  const base = await baseline();
  const second = first ?? (await api());
  return { value: { api: second, baseline: base }, cpu: [second.cpu, base.cpu] };
}

async function measure(context: Context): Promise<void> {
  const { result } = context;
  await section(context, 'warm-up', () => warmUp(context));
  if (selected('memory')) {
    await section(context, `memory: ${CONFIG.concurrentClients} concurrent clients`, async () => {
      result.memory = await measureMemory(context);
    });
  }

  const large = { api: [] as number[], baseline: [] as number[], finishMs: [] as number[], ingestFinishMs: [] as number[], storageCompleteMs: [] as number[] };
  const probes: CompletionProbe[] = [];
  const oneRequest = { api: [] as number[], baseline: [] as number[] };
  for (let rep = 0; rep < CONFIG.repetitions && (selected('chunked') || selected('one-request')); rep += 1) {
    // Alternating which side goes first keeps a drift (heap growth, page cache) from favouring one side.
    const apiFirst = rep % 2 === 1;
    const name = `repetition ${rep + 1}/${CONFIG.repetitions}: ${CONFIG.largeBytes / MiB} MiB chunked vs baseline`;
    if (selected('chunked')) await section(context, name, async () => {
      const measured = await undisturbed(context, name, () =>
        pair(
          apiFirst,
          () => apiChunkedUpload(context, CONFIG.largeBytes, { probe: rep === 0 }),
          () => baselineUpload(context, CONFIG.largeBytes),
        ),
      );
      const { api, baseline } = measured;
      accountCpu(context, 'api-chunked', api.cpu, CONFIG.largeBytes);
      accountCpu(context, 'baseline-large', baseline.cpu, CONFIG.largeBytes);
      if (api.probe) probes.push(api.probe);
      large.api.push(api.mibps);
      large.baseline.push(baseline.mibps);
      large.finishMs.push(api.finishMs);
      large.ingestFinishMs.push(api.ingestFinishMs);
      large.storageCompleteMs.push(api.storageCompleteMs);
      log(`  chunked ${api.mibps.toFixed(1)} MiB/s, baseline ${baseline.mibps.toFixed(1)} MiB/s, finish ${api.finishMs.toFixed(1)} ms`);
    });
    const oneName = `repetition ${rep + 1}/${CONFIG.repetitions}: ${CONFIG.oneRequestBytes / MiB} MiB one request vs baseline`;
    if (selected('one-request')) await section(context, oneName, async () => {
      const { api, baseline } = await undisturbed(context, oneName, () =>
        pair(
          apiFirst,
          () => apiOneRequestUpload(context, CONFIG.oneRequestBytes),
          () => baselineUpload(context, CONFIG.oneRequestBytes),
        ),
      );
      accountCpu(context, 'api-one-request', api.cpu, CONFIG.oneRequestBytes);
      accountCpu(context, 'baseline-one-request', baseline.cpu, CONFIG.oneRequestBytes);
      oneRequest.api.push(api.mibps);
      oneRequest.baseline.push(baseline.mibps);
      log(`  one request ${api.mibps.toFixed(1)} MiB/s, baseline ${baseline.mibps.toFixed(1)} MiB/s`);
    });
  }
  if (large.api.length > 0) result.chunked = throughput(large.api, large.baseline);
  if (oneRequest.api.length > 0) {
    result.oneRequest = {
      ...throughput(oneRequest.api, oneRequest.baseline),
      ...(result.chunked ? { ratioToLargeBaseline: summarize(oneRequest.api).median / result.chunked.baseline.median } : {}),
    };
  }

  const small = { finishMs: [] as number[], ingestFinishMs: [] as number[], storageCompleteMs: [] as number[] };
  if (selected('finish')) await section(context, `finish latency: ${CONFIG.finishRepetitions} × ${CONFIG.smallBytes / MiB} MiB`, async () => {
    for (let rep = 0; rep < CONFIG.finishRepetitions; rep += 1) {
      const run = await undisturbed(context, `finish latency ${rep + 1}/${CONFIG.finishRepetitions}`, async () => {
        const value = await apiChunkedUpload(context, CONFIG.smallBytes, { probe: rep === 0 });
        return { value, cpu: [value.cpu] };
      });
      small.finishMs.push(run.finishMs);
      small.ingestFinishMs.push(run.ingestFinishMs);
      small.storageCompleteMs.push(run.storageCompleteMs);
      if (run.probe) probes.unshift(run.probe);
    }
  });
  if (small.finishMs.length > 0 && large.finishMs.length > 0) {
    const smallMs = summarize(small.finishMs);
    const largeMs = summarize(large.finishMs);
    const deltaMs = largeMs.median - smallMs.median;
    const noiseMs = Math.max(smallMs.max - smallMs.min, 5);
    result.finishLatency = {
      smallMs,
      largeMs,
      deltaMs,
      noiseMs,
      goalMs: GOALS.finishMs,
      met: Math.abs(deltaMs) <= noiseMs && smallMs.median < GOALS.finishMs && largeMs.median < GOALS.finishMs,
      smallIngestMs: summarize(small.ingestFinishMs),
      largeIngestMs: summarize(large.ingestFinishMs),
      smallStorageMs: summarize(small.storageCompleteMs),
      largeStorageMs: summarize(large.storageCompleteMs),
      probes,
    };
    const finish = result.finishLatency;
    if (!finish.met && !CONFIG.quick && Date.now() < context.diagnosisDeadline) {
      // Is it the finish's own work, or work the last transfer left behind (collections, deletes)?
      await section(context, `finish latency diagnosis: ${FINISH_DIAGNOSIS_REPS} × ${CONFIG.largeBytes / MiB} MiB, ${FINISH_PAUSE_MS} ms pause before the finish`, async () => {
        const pausedMs: number[] = [];
        for (let rep = 0; rep < FINISH_DIAGNOSIS_REPS; rep += 1) {
          pausedMs.push((await apiChunkedUpload(context, CONFIG.largeBytes, { pauseBeforeFinishMs: FINISH_PAUSE_MS })).finishMs);
        }
        finish.largeAfterPause = { pauseMs: FINISH_PAUSE_MS, finishMs: summarize(pausedMs) };
      });
    } else if (!finish.met) {
      result.errors.push('finish latency diagnosis skipped: the run had used up its time budget');
    }
  }
  await measureReadPathAndConcurrency(context);
  if (selected('metadata')) await section(context, `metadata reads with ${CONFIG.quick ? 1_000 : 10_000} assets`, async () => {
    const count = CONFIG.quick ? 1_000 : 10_000;
    const ids = await seedAssets(context.gateway, context.readsToken, count);
    await context.collectDatabaseGarbage?.();
    context.result.metadataReads = await measureMetadataReads({
      mongodbUri: context.mongodbUri,
      gateway: context.gateway,
      token: context.readsToken,
      tenant: READS_TENANT,
      db: context.db,
      ids,
      pids: context.pids,
      seconds: CONFIG.quick ? 4 : 10,
      goal: GOALS.metadataReadRatio,
    });
    const reads = context.result.metadataReads;
    log(`  GET /assets/{id} ${reads.getOne.api.requestsPerSecond.toFixed(0)}/s vs driver ${reads.getOne.driver.requestsPerSecond.toFixed(0)}/s; list ${reads.list.api.requestsPerSecond.toFixed(0)}/s vs ${reads.list.driver.requestsPerSecond.toFixed(0)}/s`);
  });
}

/** Downloads and ranges of the large original, the fastest direct writer, and 8 concurrent uploads vs 8 direct writers. */
async function measureReadPathAndConcurrency(context: Context): Promise<void> {
  const readPath: ReadPathResult = {};
  context.result.readPath = readPath;
  const fastest: number[] = [];
  if (selected('fastest')) await section(context, `fastest direct writer: ${CONFIG.repetitions} × ${CONFIG.largeBytes / MiB} MiB`, async () => {
    for (let rep = 0; rep < CONFIG.repetitions; rep += 1) {
      await context.collectDatabaseGarbage?.();
      const meter = startCpuMeter(context.pids);
      const { seconds } = await context.load.run({ kind: 'fastest-baseline', bytes: CONFIG.largeBytes });
      accountCpu(context, 'fastest-large', meter(), CONFIG.largeBytes);
      await context.load.run({ kind: 'baseline-cleanup' });
      fastest.push(mibPerSecond(CONFIG.largeBytes, seconds));
    }
    if (context.result.chunked) {
      readPath.fastestUpload = { mibps: summarize(fastest), chunkedRatio: context.result.chunked.api.median / summarize(fastest).median };
    }
  });

  if (selected('downloads')) await section(context, `downloads and ranges of a ${CONFIG.largeBytes / MiB} MiB original`, async () => {
    const timing = await context.load.run({ kind: 'chunked', start: 0, bytes: CONFIG.largeBytes, name: 'download-source.bin' });
    const asset = timing.asset;
    const url = asset.cdn_files?.items.find((item) => item.role === 'original')?.url;
    const file = await context.db.collection<{ _id: string }>('fs.files').findOne({ 'metadata.asset_id': asset.id, 'metadata.role': 'original' });
    if (!url || !file) throw new Error('the uploaded original has no /cdn url or no GridFS file');
    try {
      readPath.download = await measureDownloads({
        db: context.db,
        pids: context.pids,
        cdnUrl: url,
        storageUrl: context.storageUrl,
        storageHeaders: context.storageHeaders,
        fileId: file._id,
        bytes: CONFIG.largeBytes,
        repetitions: CONFIG.repetitions,
        goal: GOALS.throughputRatio,
        beforeRun: context.collectDatabaseGarbage,
      });
      log(`  /cdn ${readPath.download.cdn.median.toFixed(1)} MiB/s, driver ${readPath.download.bucket.median.toFixed(1)}, fastest ${readPath.download.fastest.median.toFixed(1)}, storage ${readPath.download.storage.median.toFixed(1)}`);
      readPath.ranges = await measureRanges({
        db: context.db,
        cdnUrl: url,
        storageUrl: context.storageUrl,
        storageHeaders: context.storageHeaders,
        fileId: file._id,
        bytes: CONFIG.largeBytes,
        samples: CONFIG.quick ? 60 : 300,
        goal: GOALS.rangeP99Ratio,
        gcSeconds: async () => (await Promise.all([gcSeconds(context.gateway), gcSeconds(context.storageUrl)])).reduce((sum, seconds) => sum + seconds, 0),
      });
      const { cdnMs, storageMs, bucketMs } = readPath.ranges;
      log(`  ranges p99 /cdn ${cdnMs.p99.toFixed(1)} ms, storage ${storageMs.p99.toFixed(1)} ms, driver ${bucketMs.p99.toFixed(1)} ms`);
    } finally {
      await deleteAsset(context, asset.id);
    }
  });

  const bytesPerClient = CONFIG.chunkBytes * CONFIG.chunksPerClient;
  const api: number[] = [];
  const baseline: number[] = [];
  if (selected('concurrent')) await section(context, `${CONFIG.concurrentClients} concurrent chunked uploads vs ${CONFIG.concurrentClients} direct writers`, async () => {
    const total = bytesPerClient * CONFIG.concurrentClients;
    for (let rep = 0; rep < Math.max(1, Math.min(3, CONFIG.repetitions)); rep += 1) {
      await context.collectDatabaseGarbage?.();
      const apiMeter = startCpuMeter(context.pids);
      const apiRun = await context.load.run({ kind: 'concurrent-chunked', clients: CONFIG.concurrentClients, bytesPerClient });
      accountCpu(context, 'concurrent-api', apiMeter(), total);
      for (const upload of apiRun.uploads) await deleteAsset(context, upload.asset.id);
      await context.collectDatabaseGarbage?.();
      const baselineMeter = startCpuMeter(context.pids);
      const baselineRun = await context.load.run({ kind: 'concurrent-baseline', clients: CONFIG.concurrentClients, bytesPerClient });
      accountCpu(context, 'concurrent-baseline', baselineMeter(), total);
      api.push(mibPerSecond(total, apiRun.seconds));
      baseline.push(mibPerSecond(total, baselineRun.seconds));
      log(`  ${CONFIG.concurrentClients} concurrent: API ${api.at(-1)?.toFixed(1)} MiB/s, direct ${baseline.at(-1)?.toFixed(1)} MiB/s`);
    }
    readPath.concurrent = concurrentResult(CONFIG.concurrentClients, bytesPerClient, api, baseline, GOALS.throughputRatio);
  });
}

const spreadOf = (summary: Summary): string => `${summary.median.toFixed(1)} (${summary.min.toFixed(1)} – ${summary.max.toFixed(1)})`;

/** Turns the CPU accounting into findings for every missed goal: who used the CPU, and whether it ran out. */
function analyse(result: BenchResult, cores: number): string[] {
  const hashing = result.hashCost;
  const findings: string[] = [];
  const perGiB = (kind: string): Record<string, number> => {
    const use = result.cpu[kind];
    if (!use) return {};
    return Object.fromEntries(Object.entries(use.cpuSeconds).map(([name, seconds]) => [name, seconds / (use.bytes / GiB)]));
  };
  const total = (costs: Record<string, number>): number => Object.values(costs).reduce((sum, value) => sum + value, 0);
  const describe = (costs: Record<string, number>): string =>
    Object.entries(costs)
      .filter(([, value]) => value >= 0.05)
      .sort(([, a], [, b]) => b - a)
      .map(([name, value]) => `${name} ${value.toFixed(2)}`)
      .join(', ');

  const throughputFinding = (label: string, measured: ThroughputResult | undefined, apiKind: string, baselineKind: string): void => {
    if (!measured || measured.met) return;
    const api = perGiB(apiKind);
    const baseline = perGiB(baselineKind);
    const apiUse = result.cpu[apiKind];
    const baselineUse = result.cpu[baselineKind];
    if (!apiUse || !baselineUse) return;
    const extra = Object.fromEntries(Object.keys(api).map((name) => [name, (api[name] ?? 0) - (baseline[name] ?? 0)]));
    // Throughput = (cores this benchmark's processes keep busy) ÷ (their CPU seconds per byte), so the ratio of
    // two paths is exactly the product of a CPU-per-byte factor and a utilisation factor.
    const ourCores = (use: CpuUse): number => total(use.cpuSeconds) / use.wallSeconds;
    const costFactor = total(baseline) / total(api);
    const busyFactor = ourCores(apiUse) / ourCores(baselineUse);
    const aggregateRatio = apiUse.bytes / apiUse.wallSeconds / (baselineUse.bytes / baselineUse.wallSeconds);
    findings.push(
      `${label}: ratio ${measured.ratio.toFixed(3)} < ${measured.goal}. The machine was busy ${apiUse.machineBusyCores.toFixed(2)} of ${cores} cores during the API runs ` +
        `(${baselineUse.machineBusyCores.toFixed(2)} during the baseline runs).`,
    );
    findings.push(
      `${label}: CPU seconds per GiB moved — API path ${total(api).toFixed(2)} (${describe(api)}); baseline ${total(baseline).toFixed(2)} (${describe(baseline)}). ` +
        `Extra per GiB on the API path: ${describe(extra) || 'none above 0.05 s'}. ` +
        `Leaving out the clients (\`bench\`, which in production run elsewhere): API path ${(total(api) - (api['bench'] ?? 0)).toFixed(2)}, baseline ${(total(baseline) - (baseline['bench'] ?? 0)).toFixed(2)} CPU s/GiB.`,
    );
    findings.push(
      `${label}, what limits it: throughput is the cores kept busy divided by the CPU spent per byte. The API path spends ${(1 / costFactor).toFixed(2)}× the baseline's CPU per byte ` +
        `(factor ${costFactor.toFixed(2)}) and keeps ${busyFactor.toFixed(2)}× as many cores busy (${ourCores(apiUse).toFixed(2)} against ${ourCores(baselineUse).toFixed(2)}); ` +
        `${costFactor.toFixed(2)} × ${busyFactor.toFixed(2)} = ${(costFactor * busyFactor).toFixed(2)}, the ratio of the runs' aggregate throughputs being ${aggregateRatio.toFixed(2)}. ` +
        (busyFactor >= 0.95
          ? 'So it is the CPU the services spend per byte, on two cores that the client and the database server need too, not idle waiting, that costs the throughput.'
          : 'So both the CPU per byte and time the stages spend waiting for each other cost throughput.'),
    );
  };
  for (const [kind, use] of Object.entries(result.cpu)) {
    const others = use.otherSeconds / use.wallSeconds;
    if (others >= DISTURBING_OTHER_CORES) {
      findings.push(
        `Disturbed: other processes on the machine (not this benchmark's) used ${others.toFixed(2)} cores on average during the ${CPU_KINDS[kind] ?? kind} runs; those numbers are lower than a quiet machine gives.`,
      );
    }
  }
  throughputFinding('Chunked upload', result.chunked, 'api-chunked', 'baseline-large');
  throughputFinding('One-request upload', result.oneRequest, 'api-one-request', 'baseline-one-request');
  throughputFinding(`${result.config.concurrentClients} concurrent chunked uploads`, result.readPath?.concurrent, 'concurrent-api', 'concurrent-baseline');
  const storageChunked = result.cpu['api-chunked'];
  if (hashing && storageChunked && result.chunked && !result.chunked.met) {
    const storagePerGiB = (storageChunked.cpuSeconds['storage'] ?? 0) / (storageChunked.bytes / GiB);
    findings.push(
      `Chunked upload, storage's per-byte work: it hashes every byte once, with node:crypto (the whole-file SHA-256, kept running by the lease holder). ` +
        `That costs ${hashing.nodeCryptoSha256.toFixed(2)} CPU s/GiB on this machine (hash-wasm, used before, ${hashing.hashWasmSha256.toFixed(2)}): ` +
        `${hashing.nodeCryptoSha256.toFixed(2)} of storage's ${storagePerGiB.toFixed(2)} CPU s/GiB on this path.`,
    );
  }

  const finish = result.finishLatency;
  if (finish && !finish.met) {
    const perGiBms = finish.deltaMs / ((result.config.largeBytes - result.config.smallBytes) / GiB);
    findings.push(
      `Finish latency: ${finish.largeMs.median.toFixed(1)} ms for ${result.config.largeBytes / MiB} MiB against ${finish.smallMs.median.toFixed(1)} ms for ${result.config.smallBytes / MiB} MiB ` +
        `(${perGiBms.toFixed(1)} ms more per GiB): ${Math.abs(finish.deltaMs) > finish.noiseMs ? 'it grows with the file size' : 'equal within noise'}${finish.largeMs.median >= finish.goalMs ? `, and it is over ${finish.goalMs} ms` : ''}.`,
    );
    const split = (client: Summary, ingest: Summary, storage: Summary): string =>
      `client ${client.median.toFixed(1)}, ingest-api ${ingest.median.toFixed(1)}, of which storage's completion ${storage.median.toFixed(1)} ms`;
    findings.push(
      `Finish latency, split by the services' own http_request_duration_seconds (medians): ${result.config.smallBytes / MiB} MiB — ${split(finish.smallMs, finish.smallIngestMs, finish.smallStorageMs)}; ` +
        `${result.config.largeBytes / MiB} MiB — ${split(finish.largeMs, finish.largeIngestMs, finish.largeStorageMs)}. ` +
        `So ingest-api's own part (reading the asset, the compare-and-set write with its events) is ${(finish.smallIngestMs.median - finish.smallStorageMs.median).toFixed(1)} → ${(finish.largeIngestMs.median - finish.largeStorageMs.median).toFixed(1)} ms, ` +
        `storage's ${finish.smallStorageMs.median.toFixed(1)} → ${finish.largeStorageMs.median.toFixed(1)} ms, and the client and network ${(finish.smallMs.median - finish.smallIngestMs.median).toFixed(1)} → ${(finish.largeMs.median - finish.largeIngestMs.median).toFixed(1)} ms.`,
    );
    if (finish.largeAfterPause) {
      const paused = finish.largeAfterPause.finishMs;
      const settles = paused.median - finish.smallMs.median <= finish.noiseMs;
      findings.push(
        `Finish latency, diagnosis: the same ${result.config.largeBytes / MiB} MiB upload finished ${finish.largeAfterPause.pauseMs} ms after its last chunk took ${spreadOf(paused)} ms ` +
          `(immediately after: ${spreadOf(finish.largeMs)} ms; ${result.config.smallBytes / MiB} MiB: ${spreadOf(finish.smallMs)} ms). ` +
          (settles
            ? 'After the pause it is as fast as the small finish: the finish itself does not grow with the file; what it meets right after a large transfer (work the transfer left behind in the services or the database server, such as garbage collection) does.'
            : 'Even after the pause it is slower than the small finish: the finish does work that grows with the file size.'),
      );
    }
  }

  // Even within the goal, a completion query that grows with the chunk count breaks "finishing costs the
  // same for 1 MB and 10 GB" at larger sizes, so it is reported whenever it shows.
  const small = finish?.probes[0];
  const large = finish?.probes.at(-1);
  if (finish && small && large && small !== large) {
    const step = (name: string, a: number, b: number): string => `${name} ${a.toFixed(1)} → ${b.toFixed(1)} ms`;
    const grows = (a: number, b: number): boolean => b > 2 * a && b - a > 1;
    if (!finish.met || grows(small.hasLastChunkMs, large.hasLastChunkMs) || grows(small.discardPastEndMs, large.discardPastEndMs)) {
      findings.push(
        `Finish, storage's completion queries timed directly on the database server for a ${small.chunkDocs}- and a ${large.chunkDocs}-chunk file ` +
          `(${small.chunkDocsInCollection} and ${large.chunkDocsInCollection} documents in fs.chunks): ${step('find the file', small.findFileMs, large.findFileMs)}, ` +
          `${step('count its last chunk (countDocuments, as storage does)', small.hasLastChunkMs, large.hasLastChunkMs)}, ` +
          `${step('the same as findOne', small.findLastChunkMs, large.findLastChunkMs)}, ${step('delete chunks past the end (range deleteMany)', small.discardPastEndMs, large.discardPastEndMs)}. ` +
          'Time that grows with the documents in fs.chunks (every stored file\'s chunks count, not only this upload\'s) shows the server evaluating the query against the stored chunks ' +
          `rather than answering it from the unique (files_id, n) index; ${finish.met ? 'within the goal at this size, but it' : 'it'} grows with everything stored.`,
      );
    }
  }

  const memory = result.memory;
  if (memory && !memory.met) {
    for (const name of memory.judged) {
      const proc = memory.perProcess[name];
      if (!proc) continue;
      const growth = Math.max(proc.growthSampledBytes, proc.growthKernelBytes ?? 0);
      if (growth < memory.goalBytes) continue;
      findings.push(
        `Memory: ${name} grew ${(growth / MiB).toFixed(1)} MiB over idle with ${memory.clients} concurrent transfers, ` +
          `${(growth / memory.clients / MiB).toFixed(1)} MiB per transfer in flight (a ${result.config.chunkBytes / MiB} MiB chunk is ${((growth / memory.clients / result.config.chunkBytes) * 100).toFixed(0)} % of that).`,
      );
    }
  }
  return findings;
}

/** Waits (bounded) until processes other than ours leave the CPU alone; answers their load at the start. */
async function waitForQuietMachine(pids: Record<string, number>, maxWaitMs: number): Promise<number> {
  const began = Date.now();
  let lastLog = 0;
  for (;;) {
    const meter = startCpuMeter(pids);
    await sleep(2_000);
    const use = meter();
    const others = use.otherSeconds / use.wallSeconds;
    if (others < QUIET_OTHER_CORES || Date.now() - began >= maxWaitMs) {
      if (lastLog > 0) log(`  ${others < QUIET_OTHER_CORES ? 'quiet' : 'still busy'} after ${Math.round((Date.now() - began) / 1000)} s (other processes: ${others.toFixed(2)} cores)`);
      return others;
    }
    if (Date.now() - lastLog >= 10_000) {
      log(`other processes use ${others.toFixed(2)} cores; waiting up to ${Math.round((maxWaitMs - (Date.now() - began)) / 1000)} s for a quieter machine`);
      lastLog = Date.now();
    }
  }
}

function machineFacts(mongoPid: number | undefined): MachineFacts {
  const argv = mongoPid === undefined ? [] : commandLine(mongoPid);
  const version = /mongo-java-server\/([^/]+)\//.exec(argv.join(' '))?.[1];
  const backend = argv[argv.length - 1] === 'memory' ? 'in memory' : argv.length > 0 ? `backend ${argv[argv.length - 1] ?? ''}` : '';
  return {
    date: new Date().toISOString(),
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    ramBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    mongoServer: mongoPid === undefined ? 'given by MONGODB_URI (not started here)' : `mongo-java-server ${version ?? '(version unknown)'} ${backend}`.trim(),
    mongoJavaOpts: process.env['MONGO_JAVA_OPTS'] ?? '',
  };
}

function printSummary(result: BenchResult, reportFile: string): void {
  const lines = ['', `Upload benchmark (${result.machine.cores} cores, ${(result.machine.ramBytes / GiB).toFixed(1)} GiB, Node ${result.machine.node})`];
  const { chunked, oneRequest, finishLatency, memory } = result;
  if (chunked) {
    lines.push(
      `  1. chunked ${result.config.largeBytes / MiB} MiB: ${chunked.api.median.toFixed(1)} MiB/s vs baseline ${chunked.baseline.median.toFixed(1)} MiB/s = ${chunked.ratio.toFixed(3)} (goal ≥ ${chunked.goal}) ${chunked.met ? 'MET' : 'MISSED'}`,
    );
  }
  if (oneRequest) {
    lines.push(
      `  2. one request ${result.config.oneRequestBytes / MiB} MiB: ${oneRequest.api.median.toFixed(1)} MiB/s vs baseline ${oneRequest.baseline.median.toFixed(1)} MiB/s = ${oneRequest.ratio.toFixed(3)} (goal ≥ ${oneRequest.goal}) ${oneRequest.met ? 'MET' : 'MISSED'}`,
    );
  }
  if (finishLatency) {
    lines.push(
      `  3. finish ${result.config.smallBytes / MiB} MiB ${finishLatency.smallMs.median.toFixed(1)} ms vs ${result.config.largeBytes / MiB} MiB ${finishLatency.largeMs.median.toFixed(1)} ms (goal: equal within ${finishLatency.noiseMs.toFixed(1)} ms, < ${finishLatency.goalMs} ms) ${finishLatency.met ? 'MET' : 'MISSED'}`,
    );
  }
  if (memory) {
    const growth = memory.judged
      .map((name) => {
        const proc = memory.perProcess[name] as ProcessMemory;
        return `${name} +${(proc.growthSampledBytes / MiB).toFixed(1)} MiB (kernel peak +${proc.growthKernelBytes === undefined ? '?' : (proc.growthKernelBytes / MiB).toFixed(1)})`;
      })
      .join(', ');
    lines.push(`  4. RSS growth, ${memory.clients} clients: ${growth} (goal < ${memory.goalBytes / MiB} MiB) ${memory.met ? 'MET' : 'MISSED'}`);
  }
  for (const error of result.errors) lines.push(`  error: ${error}`);
  lines.push(`Report: ${reportFile}`, '');
  process.stdout.write(lines.join('\n'));
}

/** Infrastructure and services for one run, stopped whatever happens; the services trust `jwtSecret`. */
async function withSuite(
  repoRoot: string,
  logDir: string,
  run: (suite: RunningSuite, infraUri: string, jwtSecret: string, asIngestApi: ServiceTokenIssuer) => Promise<void>,
): Promise<void> {
  const infra = await startInfrastructure({ repoRoot, log: (line) => log(`[infra] ${line}`) });
  try {
    const jwtSecret = randomBytes(32).toString('base64url');
    // The services' keys are made here so that the benchmark can call storage directly as ingest-api does.
    const identity = serviceIdentityEnv();
    const asIngestApi = new ServiceTokenIssuer('ingest-api', JSON.parse(identity['ingest-api']['SERVICE_SIGNING_KEY'] ?? '') as PrivateServiceKey);
    const suite = await startSuite({
      identity,
      repoRoot,
      mongodbUri: infra.mongodbUri,
      kafkaBrokers: infra.kafkaBrokers,
      database: `bench_${randomBytes(4).toString('hex')}`,
      jwtSecret,
      logs: logDir,
      nodeArgs: profilingArgs(),
      env: { 'ingest-api': UNREACHABLE_QUOTAS, storage: storageEnv() },
    });
    try {
      await run(suite, infra.mongodbUri, jwtSecret, asIngestApi);
    } finally {
      await suite.stop();
    }
  } finally {
    await infra.stop();
  }
}

/** BENCH_STORAGE_ENV: a JSON object of strings, added to storage's environment. */
function storageEnv(): NodeJS.ProcessEnv {
  const raw = process.env['BENCH_STORAGE_ENV'];
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((value) => typeof value !== 'string')) {
    throw new Error('BENCH_STORAGE_ENV must be a JSON object of strings');
  }
  return parsed as NodeJS.ProcessEnv;
}

/** BENCH_CPU_PROF=<dir>: the services whose CPU per byte is judged write V8 CPU profiles there when they stop. */
function profilingArgs(): Partial<Record<'ingest-api' | 'storage', string[]>> {
  const dir = process.env['BENCH_CPU_PROF'];
  if (!dir) return {};
  const flags = (service: string) => ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${service}.${Date.now()}.cpuprofile`];
  return { 'ingest-api': flags('ingest-api'), storage: flags('storage') };
}

async function writeReports(reportDir: string, result: BenchResult): Promise<string> {
  const markdownFile = path.join(reportDir, 'upload.md');
  await mkdir(reportDir, { recursive: true });
  await writeFile(path.join(reportDir, 'upload.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(markdownFile, renderMarkdown(result));
  return markdownFile;
}

async function main(): Promise<void> {
  const began = Date.now();
  const repoRoot = findRepoRoot(__dirname);
  // A partial run must not replace the full report: it goes to a git-ignored folder of its own.
  const reportDir = ONLY ? path.join(repoRoot, 'reports', 'bench', 'partial') : path.join(repoRoot, 'reports', 'bench');
  const logDir = path.join(reportDir, 'logs'); // *.log is git-ignored; kept for a look after a failure
  await rm(logDir, { recursive: true, force: true });
  await mkdir(logDir, { recursive: true });
  // Set before startInfrastructure reads it; a value the user gave wins.
  process.env['MONGO_JAVA_OPTS'] ??= DEFAULT_MONGO_JAVA_OPTS;

  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'upload-bench-'));
  let result: BenchResult | undefined;
  try {
    const sourceFile = path.join(tempDir, 'source.bin');
    log(`writing ${CONFIG.largeBytes / MiB} MiB of random bytes to ${sourceFile}`);
    const { sha256, prefixSha256 } = await writeRandomFile(sourceFile, CONFIG.largeBytes, [CONFIG.smallBytes, CONFIG.oneRequestBytes]);
    log('starting Kafka, the database server and the services');
    await withSuite(repoRoot, logDir, async (suite, infraUri, jwtSecret, asIngestApi) => {
      const mongoPort = new ConnectionString(infraUri).hosts[0]?.split(':')[1];
      const mongoPid = findChildPid((argv) => argv.includes('Launcher') && mongoPort !== undefined && argv.includes(mongoPort));
      const kafkaPid = findChildPid((argv) => argv.includes('kafka.Kafka'));
      const pids: Record<string, number> = {};
      for (const service of ['ingest-api', 'storage', 'encoder', 'fanout'] as const) {
        const pid = suite.process(service).pid;
        if (pid === undefined) throw new Error(`${service} has no pid`);
        pids[service] = pid;
      }
      if (mongoPid !== undefined) pids['mongodb'] = mongoPid;
      if (kafkaPid !== undefined) pids['kafka'] = kafkaPid;

      const client = await MongoClient.connect(suite.mongodbUri);
      const token = await mintHs256Token({ secret: jwtSecret, tenant: 'bench', scopes: SCOPES, subject: 'upload-bench' });
      const load = LoadGenerator.start({
        gateway: suite.urls['ingest-api'],
        storageUrl: suite.urls.storage,
        token,
        mongodbUri: suite.mongodbUri,
        baselineBucket: 'bench_baseline',
        gridFsChunkBytes: CONFIG.gridFsChunkBytes,
        chunkBytes: CONFIG.chunkBytes,
        sourceFile,
      });
      try {
        const otherLoadCores = await waitForQuietMachine(pids, QUIET_WAIT_MS);
        result = {
          machine: { ...machineFacts(mongoPid), otherLoadAtStartCores: otherLoadCores },
          config: { ...CONFIG },
          cpu: {},
          analysis: [],
          errors: [],
          retries: 0,
          disturbed: [],
          cleanup: { deletedByStorage: 0, deletedDirectly: 0 },
        };
        const mongoGc = mongoPid === undefined ? undefined : jvmFullGc(mongoPid);
        result.config.databaseGcBeforeRuns = mongoGc !== undefined;
        const context: Context = {
          load,
          collectDatabaseGarbage: mongoGc,
          api: new MediaApiClient(suite.urls['ingest-api'], token),
          db: client.db(),
          mongodbUri: suite.mongodbUri,
          storageUrl: suite.urls.storage,
          storageHeaders: async () => ({ authorization: await asIngestApi.authorization('storage'), 'x-tenant': 'bench' }),
          gateway: suite.urls['ingest-api'],
          readsToken: await mintHs256Token({ secret: jwtSecret, tenant: READS_TENANT, scopes: SCOPES, subject: 'upload-bench' }),
          sha256,
          prefixSha256,
          pids,
          result,
          retryDeadline: began + RETRY_BUDGET_MS,
          diagnosisDeadline: began + DIAGNOSIS_BUDGET_MS,
        };
        await measure(context);
        if (selected('hashing')) await section(context, 'hashing cost', async () => {
          if (result) result.hashCost = await measureHashCost();
        });
        result.analysis = analyse(result, result.machine.cores);
        // Written now as well: stopping the servers afterwards has been seen to hang on a loaded machine.
        result.machine.durationSeconds = (Date.now() - began) / 1000;
        await writeReports(reportDir, result);
      } finally {
        await load.stop();
        await client.close();
      }
    });
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  if (!result) throw new Error('nothing was measured');
  result.machine.durationSeconds = (Date.now() - began) / 1000;
  const markdownFile = await writeReports(reportDir, result);
  printSummary(result, path.relative(repoRoot, markdownFile));
  if (result.errors.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
