/** The benchmark's result as data (upload.json) and as a page for people (upload.md). */
import type { CpuUse } from './cpu-meter.util';
import type { HashCost } from './hash-cost.util';
import { type MetadataReadResult, renderMetadataReads } from './metadata-read.measure';
import { type ReadPathResult, renderReadPath } from './read-path.measure';
import type { Summary } from './stats.util';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface MachineFacts {
  date: string;
  cores: number;
  cpuModel: string;
  ramBytes: number;
  node: string;
  os: string;
  mongoServer: string;
  mongoJavaOpts: string;
  /** CPU cores other processes used just before measuring (after waiting for a quiet machine). */
  otherLoadAtStartCores?: number;
  durationSeconds?: number;
}

export interface BenchConfig {
  /** A smoke run (`--quick`): every measurement, fewer and smaller; ratios indicative only. */
  quick?: boolean;
  largeBytes: number;
  chunkBytes: number;
  oneRequestBytes: number;
  smallBytes: number;
  repetitions: number;
  finishRepetitions: number;
  concurrentClients: number;
  chunksPerClient: number;
  rssIntervalMs: number;
  gridFsChunkBytes: number;
  /** Whether the database server's JVM was given a full GC before every run (jcmd found). */
  databaseGcBeforeRuns?: boolean;
}

export interface ThroughputResult {
  /** MiB/s of each repetition. */
  api: Summary;
  baseline: Summary;
  /** median(api) ÷ median(baseline). */
  ratio: number;
  /** api ÷ baseline of each repetition (the two ran back to back). */
  pairedRatios: Summary;
  goal: number;
  met: boolean;
}

/** Storage's completion queries timed directly on the database server for one finished upload. */
export interface CompletionProbe {
  fileBytes: number;
  chunkDocs: number;
  /** Every document in fs.chunks at the time (a scan costs this many). */
  chunkDocsInCollection: number;
  findFileMs: number;
  /** `countDocuments({files_id, n}, {limit: 1})`, as storage's hasChunk asks. */
  hasLastChunkMs: number;
  /** The same question as `findOne({files_id, n})`, for comparison. */
  findLastChunkMs: number;
  discardPastEndMs: number;
}

export interface FinishLatencyResult {
  smallMs: Summary;
  largeMs: Summary;
  deltaMs: number;
  /** The spread allowed for "equal": the larger of the small sizes' range and 5 ms. */
  noiseMs: number;
  goalMs: number;
  met: boolean;
  /** Each finish as ingest-api saw it, and storage's completion within it, from their own metrics. */
  smallIngestMs: Summary;
  largeIngestMs: Summary;
  smallStorageMs: Summary;
  largeStorageMs: Summary;
  /** For the first small and the first large upload. */
  probes: CompletionProbe[];
  /** Only when the goal is missed: large uploads whose finish came after a pause. */
  largeAfterPause?: { pauseMs: number; finishMs: Summary };
}

export interface ProcessMemory {
  idleBytes: number;
  peakSampledBytes: number;
  growthSampledBytes: number;
  /** From the kernel's VmHWM, reset just before the load: catches a peak between two samples. */
  peakKernelBytes?: number;
  growthKernelBytes?: number;
  /** Peak minus idle of V8's used heap and of memory outside it (Buffers), from the service's gauges. */
  heapGrowthBytes?: number;
  externalGrowthBytes?: number;
}

export interface MemoryResult {
  clients: number;
  bytesPerClient: number;
  seconds: number;
  perProcess: Record<string, ProcessMemory>;
  samples: number;
  maxGapMs: number;
  goalBytes: number;
  /** The processes the goal applies to. */
  judged: string[];
  met: boolean;
}

export interface BenchResult {
  machine: MachineFacts;
  config: BenchConfig;
  chunked?: ThroughputResult;
  oneRequest?: ThroughputResult & { ratioToLargeBaseline?: number };
  finishLatency?: FinishLatencyResult;
  memory?: MemoryResult;
  hashCost?: HashCost;
  readPath?: ReadPathResult;
  metadataReads?: MetadataReadResult;
  /** CPU over every run of one kind, added up. */
  cpu: Record<string, CpuUse & { bytes: number }>;
  analysis: string[];
  errors: string[];
  /** Measurements repeated because other processes disturbed them, and those kept although disturbed. */
  retries: number;
  disturbed: string[];
  cleanup: { deletedByStorage: number; deletedDirectly: number };
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);
const mib = (bytes: number): string => fixed(bytes / MiB);
const verdict = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? '**met**' : '**missed**');
const spread = (summary: Summary, digits = 1): string =>
  `${fixed(summary.median, digits)} (${fixed(summary.min, digits)} – ${fixed(summary.max, digits)})`;
const list = (summary: Summary, digits = 1): string => summary.values.map((value) => fixed(value, digits)).join(', ');

export const CPU_KINDS: Record<string, string> = {
  'baseline-large': 'GridFS baseline, large file',
  'api-chunked': 'API chunked, large file',
  'baseline-one-request': 'GridFS baseline, one-request size',
  'api-one-request': 'API one request',
  'api-concurrent': '8 concurrent clients (memory run)',
  'fastest-large': 'fastest direct writer, large file',
  'concurrent-api': '8 concurrent chunked uploads through the API',
  'concurrent-baseline': '8 concurrent direct GridFSBucket writers',
};

function cpuTable(result: BenchResult): string[] {
  const kinds = Object.keys(result.cpu);
  if (kinds.length === 0) return [];
  const names = [...new Set(kinds.flatMap((kind) => Object.keys(result.cpu[kind]?.cpuSeconds ?? {})))];
  const lines = [
    '| run kind | wall s | machine busy (cores) | ' + names.map((name) => `${name} cores (CPU s / GiB)`).join(' | ') + ' | all listed, CPU s / GiB | other processes, cores |',
    '|---|---|---|' + names.map(() => '---|').join('') + '---|---|',
  ];
  for (const kind of kinds) {
    const use = result.cpu[kind];
    if (!use) continue;
    const gib = use.bytes / GiB;
    const total = Object.values(use.cpuSeconds).reduce((sum, seconds) => sum + seconds, 0);
    const cells = names.map((name) => {
      const seconds = use.cpuSeconds[name];
      return seconds === undefined ? '–' : `${fixed(seconds / use.wallSeconds, 2)} (${fixed(seconds / gib, 2)})`;
    });
    lines.push(
      `| ${CPU_KINDS[kind] ?? kind} | ${fixed(use.wallSeconds)} | ${fixed(use.machineBusyCores, 2)} | ${cells.join(' | ')} | ${fixed(total / gib, 2)} | ${fixed(use.otherSeconds / use.wallSeconds, 2)} |`,
    );
  }
  return lines;
}

/**
 * The byte path before its rework (commit 2e868d3, report of 2026-11-25 on a quiet machine, 1 GiB, 5
 * repetitions): what every later run is set against in its "Before and after" table.
 */
const BEFORE = {
  chunkedRatio: 0.456,
  oneRequestRatio: 0.76,
  ingestCpuPerGiB: 9.3,
  storageCpuPerGiB: 18.19,
  /** Measured by hand with curl against the same stack: 90 MiB/s through /cdn vs 1,200 MiB/s for a direct read (512 MiB). */
  downloadRatio: 0.07,
  getOneRps: '370–450',
  listRps: '~150',
};

function beforeAfter(result: BenchResult): string[] {
  const chunkedCpu = result.cpu['api-chunked'];
  const perGiB = (name: string): number | undefined =>
    chunkedCpu && chunkedCpu.bytes > 0 && chunkedCpu.cpuSeconds[name] !== undefined ? (chunkedCpu.cpuSeconds[name] as number) / (chunkedCpu.bytes / GiB) : undefined;
  const now = (value: number | undefined, digits = 3): string => (value === undefined ? 'not measured' : fixed(value, digits));
  const ingest = perGiB('ingest-api');
  const storage = perGiB('storage');
  const reads = result.metadataReads;
  return [
    '## Before and after',
    '',
    'Before: the byte path as it was at commit 2e868d3 (report of 2026-11-25, quiet machine, 1 GiB, 5 repetitions; the download ratio and read rates were measured by hand then, with curl and autocannon). After: this run.',
    '',
    '| measure | before | after (this run) | goal |',
    '|---|---|---|---|',
    `| chunked upload ÷ GridFSBucket | ${BEFORE.chunkedRatio} | ${now(result.chunked?.ratio)} | ≥ 0.85 |`,
    `| one-request upload ÷ GridFSBucket | ${BEFORE.oneRequestRatio} | ${now(result.oneRequest?.ratio)} | ≥ 0.85 |`,
    `| ingest-api + storage CPU s/GiB, chunked | ${fixed(BEFORE.ingestCpuPerGiB + BEFORE.storageCpuPerGiB)} (ingest-api ${BEFORE.ingestCpuPerGiB}, storage ${BEFORE.storageCpuPerGiB}) | ${ingest === undefined || storage === undefined ? 'not measured' : `${fixed(ingest + storage)} (ingest-api ${fixed(ingest)}, storage ${fixed(storage)})`} | ≤ 14 |`,
    `| download through /cdn ÷ direct read | ${BEFORE.downloadRatio} | ${now(result.readPath?.download?.ratio)} | ≥ 0.85 |`,
    `| 1 MiB range p99 /cdn ÷ driver | not measured | ${now(result.readPath?.ranges?.ratio, 2)} | ≤ 1.5 |`,
    `| 8 concurrent chunked uploads ÷ 8 direct writers | not measured | ${now(result.readPath?.concurrent?.ratio)} | ≥ 0.85 |`,
    `| GET /assets/{id} requests/s (÷ driver) | ${BEFORE.getOneRps} | ${reads ? `${fixed(reads.getOne.api.requestsPerSecond, 0)} (${fixed(reads.getOne.ratio, 3)})` : 'not measured'} | ≥ 0.6 of the driver |`,
    `| GET /assets?limit=100 requests/s (÷ driver) | ${BEFORE.listRps} | ${reads ? `${fixed(reads.list.api.requestsPerSecond, 0)} (${fixed(reads.list.ratio, 3)})` : 'not measured'} | ≥ 0.6 of the driver |`,
    '',
    'Where ingest-api and storage spend their CPU on these paths, before and after, from `node --cpu-prof` under this benchmark: [upload-profiles.md](upload-profiles.md).',
    '',
    'For every goal still missed, what limits it (profiles, reference measurements) and what was tried: [upload-limits.md](upload-limits.md).',
    '',
  ];
}

export function renderMarkdown(result: BenchResult): string {
  const { machine, config } = result;
  const out: string[] = [];
  out.push('# Upload benchmark', '');
  out.push(
    `Made by \`npm run bench\` (tools/bench/upload.bench.ts) on ${machine.date}. Every number is a ratio to a baseline measured in the`,
    'same run on the same machine: a direct `GridFSBucket.openUploadStream` of the same bytes, from the same file on disk, to the',
    `same database server (chunk size ${config.gridFsChunkBytes} bytes, as storage writes). Throughput is MiB/s; medians with (min – max).`,
    '',
  );
  if (config.quick) out.push('**Quick run** (`--quick`): fewer and smaller measurements to smoke-test the benchmark; its ratios are indicative only.', '');
  out.push('## Machine', '');
  out.push('| fact | value |', '|---|---|');
  out.push(`| date | ${machine.date} |`);
  out.push(`| CPU | ${machine.cores} cores, ${machine.cpuModel} |`);
  out.push(`| RAM | ${fixed(machine.ramBytes / GiB)} GiB |`);
  out.push(`| Node | ${machine.node} |`);
  out.push(`| OS | ${machine.os} |`);
  out.push(`| database server | ${machine.mongoServer}, JVM options appended: \`${machine.mongoJavaOpts}\` |`);
  if (machine.otherLoadAtStartCores !== undefined) out.push(`| other processes' load when measuring began | ${fixed(machine.otherLoadAtStartCores, 2)} cores |`);
  if (machine.durationSeconds !== undefined) out.push(`| whole run | ${fixed(machine.durationSeconds, 0)} s |`);
  out.push('');

  out.push('## Results against the goals', '');
  out.push('| # | measurement | API | baseline / reference | ratio or value | goal | verdict |', '|---|---|---|---|---|---|---|');
  const { chunked, oneRequest, finishLatency, memory } = result;
  out.push(
    chunked
      ? `| 1 | chunked upload, ${mib(config.largeBytes)} MiB in ${mib(config.chunkBytes)} MiB chunks (MiB/s) | ${spread(chunked.api)} | ${spread(chunked.baseline)} | **${fixed(chunked.ratio, 3)}** (per pair ${spread(chunked.pairedRatios, 3)}) | ≥ ${chunked.goal} | ${verdict(chunked.met)} |`
      : '| 1 | chunked upload | – | – | – | ≥ 0.85 | not measured |',
  );
  out.push(
    oneRequest
      ? `| 2 | one-request upload, ${mib(config.oneRequestBytes)} MiB (MiB/s) | ${spread(oneRequest.api)} | ${spread(oneRequest.baseline)} | **${fixed(oneRequest.ratio, 3)}** (per pair ${spread(oneRequest.pairedRatios, 3)})${oneRequest.ratioToLargeBaseline === undefined ? '' : `; ${fixed(oneRequest.ratioToLargeBaseline, 3)} against the ${mib(config.largeBytes)} MiB baseline`} | ≥ ${oneRequest.goal} | ${verdict(oneRequest.met)} |`
      : '| 2 | one-request upload | – | – | – | ≥ 0.85 | not measured |',
  );
  out.push(
    finishLatency
      ? `| 3 | finish latency (ms), ${mib(config.largeBytes)} MiB vs ${mib(config.smallBytes)} MiB | ${spread(finishLatency.largeMs)} | ${spread(finishLatency.smallMs)} | Δ median ${fixed(finishLatency.deltaMs)} ms (noise ${fixed(finishLatency.noiseMs)} ms) | equal within noise, < ${finishLatency.goalMs} ms | ${verdict(finishLatency.met)} |`
      : '| 3 | finish latency | – | – | – | equal, < 100 ms | not measured |',
  );
  if (memory) {
    for (const name of memory.judged) {
      const proc = memory.perProcess[name];
      if (!proc) continue;
      out.push(
        `| 4 | peak RSS growth of ${name}, ${memory.clients} clients × ${mib(config.chunkBytes)} MiB chunks (MiB) | ${mib(proc.growthSampledBytes)} (kernel peak: ${proc.growthKernelBytes === undefined ? '–' : mib(proc.growthKernelBytes)}) | idle ${mib(proc.idleBytes)} | peak ${mib(proc.peakSampledBytes)} | < ${mib(memory.goalBytes)} | ${verdict(proc.growthSampledBytes < memory.goalBytes && (proc.growthKernelBytes ?? 0) < memory.goalBytes)} |`,
      );
    }
  } else {
    out.push('| 4 | peak RSS growth | – | – | – | < 64 MiB | not measured |');
  }
  out.push('');

  out.push(...beforeAfter(result));
  out.push(...renderReadPath(result.readPath));
  out.push(...renderMetadataReads(result.metadataReads));
  out.push('## Every repetition', '');
  if (chunked) {
    out.push(`- 1, API chunked (MiB/s): ${list(chunked.api)}`);
    out.push(`- 1, baseline (MiB/s): ${list(chunked.baseline)}`);
    out.push(`- 1, paired ratios: ${list(chunked.pairedRatios, 3)}`);
  }
  if (oneRequest) {
    out.push(`- 2, API one request (MiB/s): ${list(oneRequest.api)}`);
    out.push(`- 2, baseline (MiB/s): ${list(oneRequest.baseline)}`);
    out.push(`- 2, paired ratios: ${list(oneRequest.pairedRatios, 3)}`);
  }
  if (finishLatency) {
    out.push(`- 3, finish of ${mib(config.smallBytes)} MiB (ms): ${list(finishLatency.smallMs)}`);
    out.push(`- 3, finish of ${mib(config.largeBytes)} MiB (ms): ${list(finishLatency.largeMs)}`);
    out.push(`- 3, as ingest-api saw it, ${mib(config.smallBytes)} MiB (ms): ${list(finishLatency.smallIngestMs)}`);
    out.push(`- 3, as ingest-api saw it, ${mib(config.largeBytes)} MiB (ms): ${list(finishLatency.largeIngestMs)}`);
    out.push(`- 3, of which storage's completion, ${mib(config.smallBytes)} MiB (ms): ${list(finishLatency.smallStorageMs)}`);
    out.push(`- 3, of which storage's completion, ${mib(config.largeBytes)} MiB (ms): ${list(finishLatency.largeStorageMs)}`);
    if (finishLatency.largeAfterPause) {
      out.push(`- 3, diagnosis: finish of ${mib(config.largeBytes)} MiB ${finishLatency.largeAfterPause.pauseMs} ms after the last chunk (ms): ${list(finishLatency.largeAfterPause.finishMs)}`);
    }
  }
  out.push('');

  if (memory) {
    out.push('## Memory under concurrent chunk uploads', '');
    out.push(
      `${memory.clients} clients at once, each a resumable upload of ${mib(memory.bytesPerClient)} MiB in ${mib(config.chunkBytes)} MiB chunks, ${fixed(memory.seconds)} s in all. ` +
        `VmRSS sampled every ${config.rssIntervalMs} ms in a worker thread (${memory.samples} samples, longest gap ${fixed(memory.maxGapMs, 0)} ms); ` +
        'idle is the median of 10 samples over 1 s after a warm-up upload. The kernel peak is VmHWM, reset right before the load. ' +
        'The last two columns split the growth by the service\'s own gauges (`nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`, read every 200 ms): V8\'s heap, and Buffers outside it.',
      '',
    );
    out.push(
      '| process | idle MiB | peak MiB (sampled) | growth MiB (sampled) | peak MiB (kernel) | growth MiB (kernel) | V8 heap growth MiB | Buffers growth MiB |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const [name, proc] of Object.entries(memory.perProcess)) {
      out.push(
        `| ${name}${memory.judged.includes(name) ? '' : ' (not judged)'} | ${mib(proc.idleBytes)} | ${mib(proc.peakSampledBytes)} | ${mib(proc.growthSampledBytes)} | ${proc.peakKernelBytes === undefined ? '–' : mib(proc.peakKernelBytes)} | ${proc.growthKernelBytes === undefined ? '–' : mib(proc.growthKernelBytes)} | ${proc.heapGrowthBytes === undefined ? '–' : mib(proc.heapGrowthBytes)} | ${proc.externalGrowthBytes === undefined ? '–' : mib(proc.externalGrowthBytes)} |`,
      );
    }
    out.push('');
  }

  if (finishLatency && finishLatency.probes.length > 0) {
    out.push('## Finish: the completion queries, timed directly', '');
    out.push(
      'The lookups storage makes when it completes an upload, run with the driver against the database server right after a finish (median of 5 each).',
      '',
      '| file | chunk docs | docs in fs.chunks | find the file (ms) | count its last chunk, as storage does (ms) | the same as findOne (ms) | delete chunks past the end (ms) |',
      '|---|---|---|---|---|---|---|',
    );
    for (const probe of finishLatency.probes) {
      out.push(
        `| ${mib(probe.fileBytes)} MiB | ${probe.chunkDocs} | ${probe.chunkDocsInCollection} | ${fixed(probe.findFileMs, 2)} | ${fixed(probe.hasLastChunkMs, 2)} | ${fixed(probe.findLastChunkMs, 2)} | ${fixed(probe.discardPastEndMs, 2)} |`,
      );
    }
    out.push('');
  }
  if (result.hashCost) {
    out.push('## Hashing cost on this machine', '');
    out.push(
      `CPU seconds per GiB for SHA-256 alone (256 MiB from memory): node:crypto ${fixed(result.hashCost.nodeCryptoSha256, 2)}, hash-wasm ${fixed(result.hashCost.hashWasmSha256, 2)}.`,
      '',
    );
  }
  const cpu = cpuTable(result);
  if (cpu.length > 0) {
    out.push('## Where the CPU went', '');
    out.push(
      'utime + stime from /proc/<pid>/stat over every run of a kind, added up; "cores" is CPU seconds ÷ wall seconds, the number in',
      'parentheses CPU seconds per GiB moved. `bench` is this process: the HTTP clients and the baseline\'s driver (in a worker',
      `thread of their own). The machine has ${machine.cores} cores; "machine busy" counts every process on it, "other processes" what`,
      'is not this benchmark\'s (the machine is shared).',
      '',
      ...cpu,
      '',
    );
  }

  if (result.analysis.length > 0) {
    out.push('## Analysis', '', ...result.analysis.map((line) => `- ${line}`), '');
  }
  out.push('## Method', '');
  out.push(
    `- Source: ${mib(config.largeBytes)} MiB of random bytes written to a temp file in 8 MiB pieces (deleted at the end); the other sizes are its first bytes. The SHA-256 each upload reports is checked against the file's.`,
    `- Chunked: \`POST /assets\` upload_phase=start, then \`POST /assets/{id}/multipart\` upload_phase=transfer with \`file_chunk\` = a slice of \`fs.openAsBlob\` (streamed from disk by fetch's FormData), then upload_phase=finish; timed from start to the finish's answer.`,
    `- One request: \`POST /assets\` with multipart field \`source\`, the same way.`,
    `- Baseline: \`pipeline(createReadStream(file), bucket.openUploadStream())\` with the mongodb driver from this process.`,
    `- ${config.repetitions} repetitions; in each, API and baseline run back to back, alternating which goes first. Finish latency: ${config.finishRepetitions} chunked uploads of ${mib(config.smallBytes)} MiB, and the finishes of the ${mib(config.largeBytes)} MiB repetitions; ingest-api's and storage's share from their \`http_request_duration_seconds\` metrics, read (outside the timed finish) just before and after it.`,
    `- Before every measured run the database server's JVM ${config.databaseGcBeforeRuns ? 'gets a full garbage collection (`jcmd <pid> GC.run`), so that the garbage of the previous run\'s deleted file is not collected during the next one' : 'could not be given a full garbage collection (no jcmd)'}. A warm-up (one upload of each kind) comes first.`,
    `- Between runs every uploaded file is deleted (\`DELETE /assets/{id}\`, then waiting for storage to remove the bytes; \`GridFSBucket.delete\` for the baseline), so the in-memory server does not fill up. Deleted by storage: ${result.cleanup.deletedByStorage}; deleted directly after storage did not within 30 s: ${result.cleanup.deletedDirectly}.`,
    `- The machine is shared: a measurement (an API/baseline pair, or one finish run) during which processes that are not this benchmark's used ≥ 0.15 cores on average is measured again after waiting for a quieter machine (at most twice, within a time budget). Repeated: ${result.retries}; kept although disturbed: ${result.disturbed.length === 0 ? 'none' : result.disturbed.join('; ')}.`,
    '',
  );
  if (result.errors.length > 0) out.push('## Errors', '', ...result.errors.map((error) => `- ${error}`), '');
  return out.join('\n');
}
