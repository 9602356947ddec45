/**
 * The byte path read back, and the uploads many clients make at once: downloads of the large original
 * through the gateway's `/cdn` against direct reads of the same GridFS file, 1 MiB ranges at random
 * offsets, and 8 concurrent chunked uploads against 8 concurrent direct writers. Every figure is a
 * ratio measured in the same run; clients are plain (an HTTP GET drained into nothing, the driver's
 * stream drained into nothing) so the client costs both sides alike, and what it costs is reported.
 */
import { Agent, get as httpGet } from 'node:http';
import type { Db } from 'mongodb';
import { GridFSBucket, type ObjectId } from 'mongodb';
import { parseChunkDocument } from '../../apps/storage/src/app/files/chunk-document.parser';
import { type CpuUse, startCpuMeter } from './cpu-meter.util';
const MiB = 1024 * 1024;
import { type Summary, summarize } from './stats.util';

export interface DownloadResult {
  bytes: number;
  /** MiB/s through `GET /cdn/...` (gateway → storage → database). */
  cdn: Summary;
  /** MiB/s through storage's own `GET /files/{id}`, without the gateway: which hop costs what. */
  storage: Summary;
  /** MiB/s of the driver's `GridFSBucket.openDownloadStream`: the goal's baseline. */
  bucket: Summary;
  /** MiB/s of the fastest direct Node client written here: a raw cursor over `fs.chunks` in large batches. */
  fastest: Summary;
  pairedRatios: Summary;
  ratio: number;
  ratioToFastest: number;
  goal: number;
  met: boolean;
  cpuPerGiB: Record<'cdn' | 'bucket' | 'fastest', Record<string, number>>;
}

export interface RangeResult {
  samples: number;
  rangeBytes: number;
  cdnMs: { p50: number; p99: number };
  /** The same ranges from storage's `GET /files/{id}`, without the gateway: which hop adds the tail. */
  storageMs: { p50: number; p99: number };
  bucketMs: { p50: number; p99: number };
  /**
   * Why the tail: the slowest 1 % of the reads through `/cdn` and from storage, each with the garbage
   * collection pause time ingest-api and storage had while it ran, against the median read's.
   */
  tail?: { cdn: SlowRead[]; storage: SlowRead[]; medianGcMs: { cdn: number; storage: number } };
  ratio: number;
  goal: number;
  met: boolean;
}

export interface SlowRead {
  ms: number;
  /** GC pause milliseconds in ingest-api + storage during this read. */
  gcMs: number;
}

export interface ConcurrentResult {
  clients: number;
  bytesPerClient: number;
  api: Summary;
  baseline: Summary;
  pairedRatios: Summary;
  ratio: number;
  goal: number;
  met: boolean;
}

export interface ReadPathResult {
  /** The fastest direct writer written here, and the chunked API upload's ratio to it (stretch goal ≥ 0.85). */
  fastestUpload?: { mibps: Summary; chunkedRatio: number };
  download?: DownloadResult;
  ranges?: RangeResult;
  concurrent?: ConcurrentResult;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** GET `url` and drain the body without looking at it; answers the bytes received. */
export function drainGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { agent, headers }, (response) => {
      let bytes = 0;
      response.on('data', (piece: Buffer) => {
        bytes += piece.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function drain(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const piece of stream) bytes += piece.length;
  return bytes;
}

/** The fastest direct read written here: one plain cursor, large batches, raw documents, data as views. */
export async function fastestRead(db: Db, fileId: string, range?: { start: number; end: number }, chunkSize = 262_144): Promise<number> {
  const firstN = range ? Math.floor(range.start / chunkSize) : 0;
  const lastN = range ? Math.floor(range.end / chunkSize) : Number.MAX_SAFE_INTEGER;
  const filter = firstN === 0 ? { files_id: fileId } : { files_id: fileId, n: { $gte: firstN } };
  const cursor = db.collection('fs.chunks').find(filter, { sort: { n: 1 }, batchSize: 48, raw: true, ...(range ? { limit: lastN - firstN + 1 } : {}) });
  let bytes = 0;
  for await (const raw of cursor as unknown as AsyncIterable<Buffer>) {
    const { n, data } = parseChunkDocument(raw);
    const from = range && n === firstN ? range.start - n * chunkSize : 0;
    const to = range && n === lastN ? range.end - n * chunkSize + 1 : data.length;
    bytes += to - from;
  }
  return bytes;
}

const perGiB = (use: CpuUse, bytes: number): Record<string, number> =>
  Object.fromEntries(Object.entries(use.cpuSeconds).map(([name, seconds]) => [name, seconds / (bytes / (1024 * MiB))]));

export async function measureDownloads(options: {
  db: Db;
  pids: Record<string, number>;
  cdnUrl: string;
  storageUrl: string;
  storageHeaders: () => Promise<Record<string, string>>;
  fileId: string;
  bytes: number;
  repetitions: number;
  goal: number;
  beforeRun?: () => Promise<void>;
}): Promise<DownloadResult> {
  const { db, fileId, bytes } = options;
  const bucket = new GridFSBucket(db);
  const runs = { cdn: [] as number[], storage: [] as number[], bucket: [] as number[], fastest: [] as number[], paired: [] as number[] };
  const cpu: Record<'cdn' | 'bucket' | 'fastest', CpuUse[]> = { cdn: [], bucket: [], fastest: [] };
  const timed = async (kind: keyof typeof runs | 'storage', read: () => Promise<number>, cpuKind?: 'cdn' | 'bucket' | 'fastest'): Promise<number> => {
    await options.beforeRun?.();
    const meter = startCpuMeter(options.pids);
    const began = performance.now();
    const got = await read();
    const seconds = (performance.now() - began) / 1000;
    const use = meter();
    if (got !== bytes) throw new Error(`${kind} download read ${got} bytes, not ${bytes}`);
    if (cpuKind) cpu[cpuKind].push(use);
    const mibps = bytes / MiB / seconds;
    (runs[kind as keyof typeof runs] as number[]).push(mibps);
    return mibps;
  };
  for (let rep = 0; rep < options.repetitions; rep += 1) {
    const viaCdn = () => timed('cdn', async () => (await drainGet(options.cdnUrl)).bytes, 'cdn');
    const viaBucket = () => timed('bucket', () => drain(bucket.openDownloadStream(fileId as unknown as ObjectId) as AsyncIterable<Buffer>), 'bucket');
    // Alternating which goes first keeps a drift from favouring one side.
    let api: number;
    let direct: number;
    if (rep % 2 === 0) {
      api = await viaCdn();
      direct = await viaBucket();
    } else {
      direct = await viaBucket();
      api = await viaCdn();
    }
    runs.paired.push(api / direct);
    await timed('fastest', () => fastestRead(db, fileId), 'fastest');
    const headers = await options.storageHeaders();
    await timed('storage', async () => (await drainGet(`${options.storageUrl}/files/${fileId}`, headers)).bytes);
  }
  const total = (uses: CpuUse[]): CpuUse =>
    uses.reduce((sum, use) => ({
      ...sum,
      cpuSeconds: Object.fromEntries(Object.entries(use.cpuSeconds).map(([name, seconds]) => [name, (sum.cpuSeconds[name] ?? 0) + seconds])),
    }));
  const cdn = summarize(runs.cdn);
  const bucketSummary = summarize(runs.bucket);
  const fastest = summarize(runs.fastest);
  const ratio = cdn.median / bucketSummary.median;
  return {
    bytes,
    cdn,
    storage: summarize(runs.storage),
    bucket: bucketSummary,
    fastest,
    pairedRatios: summarize(runs.paired),
    ratio,
    ratioToFastest: cdn.median / fastest.median,
    goal: options.goal,
    met: ratio >= options.goal,
    cpuPerGiB: {
      cdn: perGiB(total(cpu.cdn), bytes * cpu.cdn.length),
      bucket: perGiB(total(cpu.bucket), bytes * cpu.bucket.length),
      fastest: perGiB(total(cpu.fastest), bytes * cpu.fastest.length),
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * 1 MiB ranges at random offsets, one at a time, through `/cdn` and through the driver, interleaved; each
 * range is also read from storage directly (a diagnosis row: gateway hop vs storage's own read).
 */
export async function measureRanges(options: {
  db: Db;
  cdnUrl: string;
  storageUrl: string;
  storageHeaders: () => Promise<Record<string, string>>;
  fileId: string;
  bytes: number;
  samples: number;
  goal: number;
  /** GC pause seconds of the services so far (read outside the timed reads); enables the tail diagnosis. */
  gcSeconds?: () => Promise<number>;
}): Promise<RangeResult> {
  const bucket = new GridFSBucket(options.db);
  const rangeBytes = MiB;
  const times = { cdn: [] as number[], storage: [] as number[], driver: [] as number[] };
  const reads = { cdn: [] as SlowRead[], storage: [] as SlowRead[] };
  const timed = async (into: number[], read: () => Promise<number>, what: string, gcOf?: SlowRead[]): Promise<void> => {
    const gcProbe = gcOf && options.gcSeconds;
    const gcBefore = gcProbe ? await gcProbe() : 0;
    const began = performance.now();
    const got = await read();
    const ms = performance.now() - began;
    if (got !== rangeBytes) throw new Error(`a ranged read ${what} gave ${got} bytes, not ${rangeBytes}`);
    into.push(ms);
    if (gcProbe) gcOf.push({ ms, gcMs: ((await gcProbe()) - gcBefore) * 1000 });
  };
  const ranged = async (url: string, range: string, headers: Record<string, string>): Promise<number> => {
    const got = await drainGet(url, { ...headers, range });
    if (got.status !== 206) throw new Error(`${url} answered ${got.status} to ${range}`);
    return got.bytes;
  };
  for (let i = 0; i < options.samples; i += 1) {
    const start = Math.floor(Math.random() * (options.bytes - rangeBytes));
    const end = start + rangeBytes - 1;
    const range = `bytes=${start}-${end}`;
    const viaCdn = () => timed(times.cdn, () => ranged(options.cdnUrl, range, {}), 'through /cdn', reads.cdn);
    const viaDriver = () =>
      timed(times.driver, () => drain(bucket.openDownloadStream(options.fileId as unknown as ObjectId, { start, end: end + 1 }) as AsyncIterable<Buffer>), 'by the driver');
    if (i % 2 === 0) {
      await viaCdn();
      await viaDriver();
    } else {
      await viaDriver();
      await viaCdn();
    }
    const headers = await options.storageHeaders();
    await timed(times.storage, () => ranged(`${options.storageUrl}/files/${options.fileId}`, range, headers), 'from storage', reads.storage);
  }
  const slowest = (all: SlowRead[]): SlowRead[] => [...all].sort((a, b) => b.ms - a.ms).slice(0, Math.max(1, Math.ceil(all.length / 100)));
  const medianGc = (all: SlowRead[]): number => percentile(all.map((read) => read.gcMs), 50);
  const tail = options.gcSeconds
    ? { cdn: slowest(reads.cdn), storage: slowest(reads.storage), medianGcMs: { cdn: medianGc(reads.cdn), storage: medianGc(reads.storage) } }
    : undefined;
  const quantiles = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
  const cdnMs = quantiles(times.cdn);
  const bucketMs = quantiles(times.driver);
  const ratio = cdnMs.p99 / bucketMs.p99;
  return { samples: options.samples, rangeBytes, cdnMs, storageMs: quantiles(times.storage), bucketMs, ...(tail ? { tail } : {}), ratio, goal: options.goal, met: ratio <= options.goal };
}

export function concurrentResult(clients: number, bytesPerClient: number, api: number[], baseline: number[], goal: number): ConcurrentResult {
  const apiSummary = summarize(api);
  const baselineSummary = summarize(baseline);
  const ratio = apiSummary.median / baselineSummary.median;
  return {
    clients,
    bytesPerClient,
    api: apiSummary,
    baseline: baselineSummary,
    pairedRatios: summarize(api.map((value, i) => value / (baseline[i] as number))),
    ratio,
    goal,
    met: ratio >= goal,
  };
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);
const spread = (summary: Summary, digits = 1): string => `${fixed(summary.median, digits)} (${fixed(summary.min, digits)} – ${fixed(summary.max, digits)})`;
const verdict = (met: boolean): string => (met ? '**met**' : '**missed**');

export function renderReadPath(result: ReadPathResult | undefined): string[] {
  if (!result) return [];
  const out: string[] = ['## Downloads, ranges and concurrent uploads', ''];
  out.push('| measurement | API | baseline | ratio | goal | verdict |', '|---|---|---|---|---|---|');
  const { download, ranges, concurrent, fastestUpload } = result;
  if (fastestUpload) {
    out.push(
      `| chunked upload against the fastest direct Node writer (insertMany of 8 chunk documents, one in flight), MiB/s | – | ${spread(fastestUpload.mibps)} | **${fixed(fastestUpload.chunkedRatio, 3)}** | stretch ≥ 0.85 | ${verdict(fastestUpload.chunkedRatio >= 0.85)} |`,
    );
  }
  if (download) {
    out.push(
      `| download of the ${fixed(download.bytes / MiB)} MiB original through \`/cdn\` (MiB/s) | ${spread(download.cdn)} | ${spread(download.bucket)} \`openDownloadStream\` | **${fixed(download.ratio, 3)}** (per pair ${spread(download.pairedRatios, 3)}) | ≥ ${download.goal} | ${verdict(download.met)} |`,
      `| the same against the fastest direct Node client (raw cursor, batchSize 48) | ${spread(download.cdn)} | ${spread(download.fastest)} | **${fixed(download.ratioToFastest, 3)}** | stretch ≥ 0.85 | ${verdict(download.ratioToFastest >= 0.85)} |`,
      `| the same file from storage directly, without the gateway (MiB/s) | ${spread(download.storage)} | ${spread(download.bucket)} | ${fixed(download.storage.median / download.bucket.median, 3)} | – | diagnosis |`,
    );
  }
  if (ranges) {
    out.push(
      `| ${ranges.samples} reads of ${fixed(ranges.rangeBytes / MiB)} MiB at random offsets, p99 ms (p50) | ${fixed(ranges.cdnMs.p99)} (${fixed(ranges.cdnMs.p50)}) | ${fixed(ranges.bucketMs.p99)} (${fixed(ranges.bucketMs.p50)}) driver ranged read | **${fixed(ranges.ratio, 2)}** | ≤ ${ranges.goal} | ${verdict(ranges.met)} |`,
      `| the same ranges from storage directly, without the gateway, p99 ms (p50) | ${fixed(ranges.storageMs.p99)} (${fixed(ranges.storageMs.p50)}) | ${fixed(ranges.bucketMs.p99)} (${fixed(ranges.bucketMs.p50)}) | ${fixed(ranges.storageMs.p99 / ranges.bucketMs.p99, 2)} | – | diagnosis |`,
    );
  }
  if (concurrent) {
    out.push(
      `| ${concurrent.clients} concurrent chunked uploads of ${fixed(concurrent.bytesPerClient / MiB)} MiB, aggregate MiB/s | ${spread(concurrent.api)} | ${spread(concurrent.baseline)} ${concurrent.clients} direct writers | **${fixed(concurrent.ratio, 3)}** (per pair ${spread(concurrent.pairedRatios, 3)}) | ≥ ${concurrent.goal} | ${verdict(concurrent.met)} |`,
    );
  }
  out.push('');
  if (ranges?.tail) {
    const list = (reads: SlowRead[]): string => reads.map((read) => `${fixed(read.ms)} ms (GC ${fixed(read.gcMs)} ms)`).join(', ');
    out.push(
      `The range tail: the slowest 1 % of the reads, each with the garbage-collection pause time ingest-api and storage had while it ran (their \`nodejs_gc_duration_seconds\`, read before and after each read, outside the timing). ` +
        `Through \`/cdn\`: ${list(ranges.tail.cdn)}; the median read had ${fixed(ranges.tail.medianGcMs.cdn)} ms. ` +
        `From storage directly: ${list(ranges.tail.storage)}; the median read had ${fixed(ranges.tail.medianGcMs.storage)} ms.`,
      '',
    );
  }
  if (download) {
    out.push('CPU seconds per GiB downloaded, per process (`bench` is the client):', '');
    const names = [...new Set(Object.values(download.cpuPerGiB).flatMap((row) => Object.keys(row)))];
    out.push(`| path | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`);
    for (const [path, row] of Object.entries(download.cpuPerGiB)) out.push(`| ${path} | ${names.map((name) => fixed(row[name] ?? 0, 2)).join(' | ')} |`);
    out.push('');
  }
  return out;
}
