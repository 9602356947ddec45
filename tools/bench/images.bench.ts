/**
 * Images on demand benchmark (a command, not a test): `npm run bench -- images`.
 *
 * Two generated sources (sharp): a 12-megapixel JPEG (4000×3000) asked for as a 400-px-wide WebP, and a
 * 4000×3000 PNG asked for as a 200×200 crop. In one run, on the same files:
 *  - first render through the API (gateway → renderer → gateway, the renderer storing the bytes as it sends
 *    them; each sample a new variant: the quality differs, the work does not) p50/p99 ÷ sharp alone
 *    (defaults, in this process) on the same file;
 *  - a cached variant's p99 ÷ a plain `/cdn` read of an uploaded file of exactly the same size;
 *  - throughput with 16 concurrent clients over 50 distinct variants of the two sources, cold (each
 *    rendered by its first request) and warm (the same 50, stored, 10 rounds);
 *  - the same requests against thumbor 7.8 (file loader, result storage on disk for the warm case,
 *    as many engine threads as cores), and the ratios.
 * BENCH_SAMPLES (100) sets the first-render samples per case; BENCH_CACHED (1000) the cached reads: with
 * fewer than 100 samples a p99 is simply the slowest one.
 * Writes reports/bench/images.md and images.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Asset } from '@media/asset-model';
import { findRepoRoot, freePort, multipartBody, waitFor } from '@media/testing';
import sharp from 'sharp';
import { startBenchSuite } from './bench-suite.util';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 100);
const CACHED = Number(process.env['BENCH_CACHED'] ?? 1000);
const CLIENTS = 16;
const VARIANTS = 50;
const WARM_ROUNDS = 10;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Case {
  name: string;
  source: string;
  file: string;
  /** The API's `{format}` for quality q, `narrower` pixels narrower (and lower) than the case's size. */
  api: (q: number, narrower: number) => string;
  /** thumbor's path for the same. */
  thumbor: (q: number, narrower: number) => string;
  /** sharp alone, the same operation. */
  bare: (input: string, q: number, narrower: number) => Promise<Buffer>;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** GET that must answer 200; the body is read whole (a client downloading the image). */
async function get(url: string): Promise<number> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
  return body.byteLength;
}

/** Requests per second for `urls`, `clients` at a time. */
async function throughput(urls: readonly string[], clients: number): Promise<number> {
  const queue = [...urls];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) await get(url);
    }),
  );
  return urls.length / ((performance.now() - started) / 1000);
}

/** A photo-like 4000×3000 image: smooth gradients plus noise, so encoders have real work. */
async function makeSources(dir: string): Promise<{ jpeg: string; png: string }> {
  const width = 4000;
  const height = 3000;
  const pixels = Buffer.alloc(width * height * 3);
  const noise = randomBytes(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const n = (noise[i] as number) >> 3;
      pixels[i * 3] = ((x * 255) / width + n) & 0xff;
      pixels[i * 3 + 1] = ((y * 255) / height + n) & 0xff;
      pixels[i * 3 + 2] = (((x + y) * 127) / (width + height) + 64 + n) & 0xff;
    }
  }
  const raw = { raw: { width, height, channels: 3 as const } };
  const jpeg = path.join(dir, 'photo-12mp.jpg');
  const png = path.join(dir, 'image-4000x3000.png');
  await sharp(pixels, raw).jpeg({ quality: 90 }).toFile(jpeg);
  await sharp(pixels, raw).png({ compressionLevel: 6 }).toFile(png);
  return { jpeg, png };
}

async function startThumbor(executable: string, root: string, scratch: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const conf = path.join(scratch, 'thumbor.conf');
  await writeFile(
    conf,
    [
      "LOADER = 'thumbor.loaders.file_loader'",
      `FILE_LOADER_ROOT_PATH = '${root}'`,
      "STORAGE = 'thumbor.storages.no_storage'",
      "RESULT_STORAGE = 'thumbor.result_storages.file_storage'",
      `RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = '${path.join(scratch, 'thumbor-results')}'`,
      'RESULT_STORAGE_STORES_UNSAFE = True',
      'ALLOW_UNSAFE_URL = True',
      `ENGINE_THREADPOOL_SIZE = ${os.cpus().length}`,
      'MAX_WIDTH = 0',
      'MAX_HEIGHT = 0',
      '',
    ].join('\n'),
  );
  const child = spawn(executable, ['--port', String(port), '--ip', '127.0.0.1', '--conf', conf, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('thumbor', async () => (await fetch(`${url}/healthcheck`)).ok, { timeoutMs: 60_000 });
  return { url, child };
}

async function main(): Promise<void> {
  // The renderer keeps no libvips operation cache (each request is another image); neither may the baseline,
  // or its repeated renders of one file would be answered from decoded pixels kept in memory.
  sharp.cache(false);
  const repoRoot = findRepoRoot();
  const thumborExecutable = execFileSync('bash', [path.join(repoRoot, 'tools/bench/provision-thumbor.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-images-'));
  const sourcesDir = path.join(scratch, 'sources');
  await mkdir(sourcesDir);
  log('generating the sources with sharp');
  const sources = await makeSources(sourcesDir);
  // Each case makes SAMPLES variants of one source, and the throughput mix 25 more: over the default cap of
  // variants per file, which is a guard against abuse, not part of what is measured.
  const bench = await startBenchSuite('images', { encoder: { IMAGE_MAX_VARIANTS_PER_FILE: String(SAMPLES + VARIANTS + 10) } });
  const thumbor = await startThumbor(thumborExecutable, sourcesDir, scratch);
  try {
    const token = await bench.token('bench');
    const upload = async (content: Buffer, filename: string): Promise<Asset> => {
      const { body, contentType } = multipartBody([{ name: 'source', value: content, filename }]);
      const response = await fetch(`${bench.suite.urls['ingest-api']}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });
      if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
      return (await response.json()) as Asset;
    };
    const formatUrlOf = (asset: Asset) => {
      const url = asset.cdn_files.items.find((file) => file.role === 'original')?.format_url;
      if (!url) throw new Error('no format_url');
      return url;
    };
    const jpegAsset = await upload(await readFile(sources.jpeg), path.basename(sources.jpeg));
    const pngAsset = await upload(await readFile(sources.png), path.basename(sources.png));
    // The uploads' own processing (thumbnails) must be over, or it would compete with the first renders.
    for (const asset of [jpegAsset, pngAsset]) {
      await waitFor('processing of the sources', async () => {
        const current = (await (await fetch(`${bench.suite.urls['ingest-api']}/assets/${asset.id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as Asset;
        return current.status === 'ready' || current.status === 'failed';
      }, { timeoutMs: 600_000, intervalMs: 500 });
    }
    const jpegUrl = formatUrlOf(jpegAsset);
    const pngUrl = formatUrlOf(pngAsset);
    const encoderRenderSeconds = async () => {
      const text = await (await fetch(`${bench.suite.urls.encoder}/metrics`)).text();
      const value = (name: string) => Number(text.split('\n').find((row) => row.startsWith(`${name}{`) || row.startsWith(`${name} `))?.split(' ').pop() ?? 0);
      return { sum: value('encoder_image_render_seconds_sum'), count: value('encoder_image_render_seconds_count') };
    };

    const cases: Case[] = [
      {
        name: '12 MP JPEG → 400 px WebP',
        source: sources.jpeg,
        file: jpegUrl,
        api: (q, d) => `w_${400 - d},q_${q},fm_webp`,
        thumbor: (q, d) => `/unsafe/${400 - d}x0/filters:quality(${q}):format(webp)/${path.basename(sources.jpeg)}`,
        bare: (input, q, d) => sharp(input).autoOrient().resize({ width: 400 - d, withoutEnlargement: true }).webp({ quality: q }).toBuffer(),
      },
      {
        name: '4000×3000 PNG → 200×200 crop (PNG)',
        source: sources.png,
        file: pngUrl,
        api: (q, d) => `w_${200 - d},h_${200 - d},q_${q},fm_png`,
        thumbor: (q, d) => `/unsafe/${200 - d}x${200 - d}/filters:quality(${q}):format(png)/${path.basename(sources.png)}`,
        bare: (input, _q, d) => sharp(input).autoOrient().resize({ width: 200 - d, height: 200 - d, fit: 'cover', position: 'center', withoutEnlargement: true }).png({ compressionLevel: 6 }).toBuffer(),
      },
    ];

    const results = [];
    for (const [index, item] of cases.entries()) {
      log(`${item.name}: first renders, sharp alone, thumbor`);
      const renderBefore = await encoderRenderSeconds();
      const api: number[] = [];
      const bare: number[] = [];
      const thumborCold: number[] = [];
      // Interleaved, so a noisy moment on the shared machine hits all three alike.
      for (let i = 0; i < SAMPLES; i++) {
        // Qualities 30..99 (unused by the throughput mix), then again one pixel narrower per round of 70, so
        // every sample is a first render.
        const q = 30 + (i % 70);
        const narrower = Math.floor(i / 70);
        api.push(await timed(() => get(item.file.replace('{format}', item.api(q, narrower)))));
        bare.push(await timed(() => item.bare(item.source, q, narrower)));
        thumborCold.push(await timed(() => get(`${thumbor.url}${item.thumbor(q, narrower)}`)));
      }
      const renderAfter = await encoderRenderSeconds();
      const encoderMeanMs = ((renderAfter.sum - renderBefore.sum) / Math.max(1, renderAfter.count - renderBefore.count)) * 1000;
      log(`${item.name}: cached reads against a plain /cdn file of the same size, and thumbor's result storage`);
      const cachedUrl = item.file.replace('{format}', item.api(30, 0));
      const size = await get(cachedUrl);
      const plain = await upload(randomBytes(size), `same-size-${index}.bin`);
      const plainUrl = plain.cdn_files.items[0]?.url ?? '';
      // A second plain file of the same size: plain ÷ plain again is what the same path measures against
      // itself, the noise any cached ÷ plain ratio of this run carries.
      const again = await upload(randomBytes(size), `same-size-again-${index}.bin`);
      const againUrl = again.cdn_files.items[0]?.url ?? '';
      const cached: number[] = [];
      const plainReads: number[] = [];
      const againReads: number[] = [];
      const thumborWarm: number[] = [];
      for (let i = 0; i < CACHED; i++) {
        cached.push(await timed(() => get(cachedUrl)));
        plainReads.push(await timed(() => get(plainUrl)));
        againReads.push(await timed(() => get(againUrl)));
        thumborWarm.push(await timed(() => get(`${thumbor.url}${item.thumbor(30, 0)}`)));
      }
      results.push({
        name: item.name,
        variantBytes: size,
        encoderMeanMs,
        firstRender: { apiP50: percentile(api, 50), apiP99: percentile(api, 99), sharpP50: percentile(bare, 50), sharpP99: percentile(bare, 99), thumborP50: percentile(thumborCold, 50), thumborP99: percentile(thumborCold, 99) },
        cached: {
          apiP50: percentile(cached, 50),
          apiP99: percentile(cached, 99),
          plainP50: percentile(plainReads, 50),
          plainP99: percentile(plainReads, 99),
          againP99: percentile(againReads, 99),
          thumborP50: percentile(thumborWarm, 50),
          thumborP99: percentile(thumborWarm, 99),
        },
        // Every first-render time in the order taken (ms), so an outlier can be placed in the run.
        firstRenderSamples: { api: api.map(round1), sharp: bare.map(round1), thumbor: thumborCold.map(round1) },
      });
    }

    log(`throughput: ${CLIENTS} clients over ${VARIANTS} variants, cold then warm (${WARM_ROUNDS} rounds)`);
    const half = VARIANTS / 2;
    // Widths and crops not asked for above, so the cold pass renders every one.
    const apiUrls = [
      ...Array.from({ length: half }, (_, i) => jpegUrl.replace('{format}', `w_${300 + i * 4},fm_webp`)),
      ...Array.from({ length: half }, (_, i) => pngUrl.replace('{format}', `w_${150 + i * 2},h_${150 + i * 2},fm_png`)),
    ];
    const thumborUrls = [
      ...Array.from({ length: half }, (_, i) => `${thumbor.url}/unsafe/${300 + i * 4}x0/filters:format(webp)/${path.basename(sources.jpeg)}`),
      ...Array.from({ length: half }, (_, i) => `${thumbor.url}/unsafe/${150 + i * 2}x${150 + i * 2}/filters:format(png)/${path.basename(sources.png)}`),
    ];
    const warm = (urls: string[]) => Array.from({ length: WARM_ROUNDS }, () => urls).flat();
    const mix = {
      apiCold: await throughput(apiUrls, CLIENTS),
      thumborCold: await throughput(thumborUrls, CLIENTS),
      apiWarm: await throughput(warm(apiUrls), CLIENTS),
      thumborWarm: await throughput(warm(thumborUrls), CLIENTS),
    };

    const report = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() }, samples: SAMPLES, cachedReads: CACHED, results, throughput: mix };
    await writeFile(path.join(bench.reports, 'images.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(bench.reports, 'images.md'), markdown(report));
    log(`wrote ${path.join(bench.reports, 'images.md')}`);
  } finally {
    thumbor.child.kill('SIGTERM');
    await bench.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

type Report = {
  machine: { cpus: number; model: string | undefined; load: number[] };
  samples: number;
  cachedReads: number;
  results: {
    name: string;
    variantBytes: number;
    /** Mean time the encoder spent per first render until the image existed (source from its cache or storage, header check, render), from its metrics. */
    encoderMeanMs: number;
    firstRender: Record<'apiP50' | 'apiP99' | 'sharpP50' | 'sharpP99' | 'thumborP50' | 'thumborP99', number>;
    cached: Record<'apiP50' | 'apiP99' | 'plainP50' | 'plainP99' | 'againP99' | 'thumborP50' | 'thumborP99', number>;
  }[];
  throughput: Record<'apiCold' | 'thumborCold' | 'apiWarm' | 'thumborWarm', number>;
};

function markdown(report: Report): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const lines = [
    '# Images on demand benchmark',
    '',
    `\`npm run bench -- images\` on ${report.machine.cpus} cores (${report.machine.model ?? 'unknown CPU'}), load average at the end ${report.machine.load.map((l) => l.toFixed(1)).join(' / ')}.`,
    'The whole stack (gateway, storage, encoder, fanout, the database and the broker) shares these cores with the benchmark and thumbor: read the ratios (measured interleaved, in one run), not the absolute times.',
    '',
    `First render: ${report.samples} new variants per case, one at a time, each through the gateway (options checked, variant looked up in storage by id and missing, claimed and rendered by the encoder's pool, the rendered bytes streamed back to the client while they are stored); sharp alone runs the same operation on the same file in the benchmark process (default threads, operation cache off as in the renderer); thumbor (${report.machine.cpus} engine threads) renders the same size and format from its file loader. The encoder column is its own time per render until the image exists, from its metrics (the original is in the encoder's cache from the start: the replica that processed its upload keeps a copy, so no sample downloads it; the first sample of a case probes its header, later ones read that from the cache too); the rest of the API time is the hops between gateway, storage, encoder and the database, each a wake-up of another process on the same cores.`,
    '',
    '| case | API p50 / p99 | sharp alone p50 / p99 | API ÷ sharp p50 / p99 (goal ≤ 1.2) | thumbor p50 / p99 | API ÷ thumbor p50 / p99 | encoder mean per render |',
    '|---|---|---|---|---|---|---|',
    ...report.results.map((r) => {
      const f = r.firstRender;
      return `| ${r.name} | ${ms(f.apiP50)} / ${ms(f.apiP99)} | ${ms(f.sharpP50)} / ${ms(f.sharpP99)} | **${ratio(f.apiP50, f.sharpP50)} / ${ratio(f.apiP99, f.sharpP99)}** | ${ms(f.thumborP50)} / ${ms(f.thumborP99)} | ${ratio(f.apiP50, f.thumborP50)} / ${ratio(f.apiP99, f.thumborP99)} | ${ms(r.encoderMeanMs)} |`;
    }),
    '',
    `Cached: ${report.cachedReads} reads of one stored variant, interleaved with reads of a plain \`/cdn\` file of exactly its size, of a second such file (the same path measured against itself: how far apart two p99s of one path land in this run) and with thumbor answering from its result storage.`,
    '',
    '| case | variant bytes | cached p50 / p99 | plain /cdn p50 / p99 | cached ÷ plain p99 (goal ≤ 1.1) | plain ÷ plain again p99 (noise) | thumbor cached p50 / p99 | API ÷ thumbor p99 |',
    '|---|---|---|---|---|---|---|---|',
    ...report.results.map((r) => {
      const c = r.cached;
      return `| ${r.name} | ${r.variantBytes} | ${ms(c.apiP50)} / ${ms(c.apiP99)} | ${ms(c.plainP50)} / ${ms(c.plainP99)} | **${ratio(c.apiP99, c.plainP99)}** | ${ratio(c.plainP99, c.againP99)} | ${ms(c.thumborP50)} / ${ms(c.thumborP99)} | ${ratio(c.apiP99, c.thumborP99)} |`;
    }),
    '',
    `Throughput: ${CLIENTS} concurrent clients over ${VARIANTS} distinct variants (25 WebP widths of the JPEG, 25 PNG crops of the PNG); cold = each variant's first request renders it, warm = the same ${VARIANTS} stored, ${WARM_ROUNDS} rounds.`,
    '',
    '| pass | API requests/s | thumbor requests/s | API ÷ thumbor |',
    '|---|---|---|---|',
    `| cold | ${report.throughput.apiCold.toFixed(1)} | ${report.throughput.thumborCold.toFixed(1)} | ${ratio(report.throughput.apiCold, report.throughput.thumborCold)} |`,
    `| warm | ${report.throughput.apiWarm.toFixed(1)} | ${report.throughput.thumborWarm.toFixed(1)} | ${ratio(report.throughput.apiWarm, report.throughput.thumborWarm)} |`,
    '',
    'A cached variant is served exactly like a plain `/cdn` file (the ratio column), so the warm gap to thumbor is the plain `/cdn` path itself (gateway → storage → GridFS on the MongoDB-wire server, three processes) against thumbor answering from a local result file in one.',
    '',
    'imgproxy (libvips, Go) is the fastest open-source anchor but cannot be installed here (the Go module proxy refuses it); its own published benchmarks put it several times ahead of thumbor and are context only, not measured here.',
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
