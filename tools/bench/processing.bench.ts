/**
 * Processing throughput benchmark (a command, not a test): `npm run bench -- processing`.
 *
 * Jobs per minute for a mix of the four kinds (a 10 s 720p video, a 30 s song, a 12-megapixel photo, a
 * 5-page PDF per round), with as many encoder workers as cores:
 *  - through the whole service: one-request uploads to the gateway until every asset is `ready`
 *    (Kafka, the job queue in MongoDB, download from storage, processing, uploads of every rendition,
 *    the result applied by ingest-api);
 *  - the baseline, in the same run: the same processing (`processMedia`, the encoder's own code, same
 *    limits) on the same files from local disk, as many at once as cores, nothing else.
 * The ratio says what the pipeline costs on top of the media work. BENCH_ROUNDS (3) sets the rounds.
 * Writes reports/bench/processing.md and processing.json.
 */
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AssetLabel } from '@media/asset-model';
import { fixtureDir, makeAudio, makePdf, makePhoto, makeVideo } from '@media/testing';
import { processMedia } from '../../apps/encoder/src/app/media/media-processor';
import type { JobLimits } from '../../apps/encoder/src/app/media/media-job';
import { startBenchSuite } from './bench-suite.util';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const WORKERS = os.cpus().length;
// The encoder's defaults (apps/encoder/src/app/encoder.config.ts).
const LIMITS: JobLimits = { wallClockMs: 900_000, cpuSeconds: 1800, memoryBytes: 2048 * 1024 * 1024, maxPixels: 100_000_000 };

interface Input {
  kind: AssetLabel;
  file: string;
  mimeType: string;
}

async function makeInputs(dir: string): Promise<Input[]> {
  return [
    { kind: 'Video', file: await makeVideo(dir, { seconds: 10, size: '1280x720', bitrate: '3M', name: 'clip.mp4' }), mimeType: 'video/mp4' },
    { kind: 'Audio', file: await makeAudio(dir, { seconds: 30, format: 'mp3', name: 'song.mp3' }), mimeType: 'audio/mpeg' },
    { kind: 'Photo', file: await makePhoto(dir, { size: '4000x3000', name: 'photo.jpg' }), mimeType: 'image/jpeg' },
    { kind: 'Document', file: await makePdf(dir, { pages: 5, name: 'report.pdf' }), mimeType: 'application/pdf' },
  ];
}

/** Runs `tasks` with at most `limit` at once; resolves when all are done. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

async function bare(jobs: readonly Input[], scratch: string): Promise<number> {
  const started = performance.now();
  let n = 0;
  await pool(jobs, WORKERS, async (input) => {
    const outputDir = path.join(scratch, `bare-${(n += 1)}`);
    await mkdir(outputDir, { recursive: true });
    await processMedia({ label: input.kind, mimeType: input.mimeType, inputPath: input.file, outputDir, limits: LIMITS });
    await rm(outputDir, { recursive: true, force: true });
  });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const dir = await fixtureDir();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'processing-bench-'));
  log('generating fixtures');
  const inputs = await makeInputs(dir);
  const jobs = Array.from({ length: ROUNDS }, () => inputs).flat();

  log(`baseline: ${jobs.length} jobs, ${WORKERS} at once, processMedia on local files`);
  const bareMs = await bare(jobs, scratch);

  const bench = await startBenchSuite('processing', { encoder: { ENCODER_WORKERS: String(WORKERS) } });
  const { reports } = bench;
  try {
    const token = await bench.token('bench');
    const gateway = bench.suite.urls['ingest-api'];
    log(`through the service: ${jobs.length} uploads, then until every asset is ready`);
    const started = performance.now();
    const ids: { id: string; kind: AssetLabel }[] = [];
    for (const input of jobs) {
      const form = new FormData();
      form.set('source', new Blob([await readFile(input.file)]), path.basename(input.file));
      const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
      if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
      ids.push({ id: ((await response.json()) as { id: string }).id, kind: input.kind });
    }
    const pending = new Set(ids.map(({ id }) => id));
    const failed: string[] = [];
    while (pending.size > 0) {
      if (performance.now() - started > 30 * 60_000) throw new Error(`${pending.size} assets still processing after 30 minutes`);
      for (const id of [...pending]) {
        const response = await fetch(`${gateway}/assets/${id}`, { headers: { Authorization: `Bearer ${token}` } });
        const asset = (await response.json()) as { status: string; error: { code: string } | null };
        if (asset.status === 'ready' || asset.status === 'failed') pending.delete(id);
        if (asset.status === 'failed') failed.push(`${id}: ${asset.error?.code}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const serviceMs = performance.now() - started;
    if (failed.length > 0) throw new Error(`assets failed: ${failed.join(', ')}`);

    const perMinute = (ms: number) => (jobs.length / ms) * 60_000;
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      jobs: jobs.length,
      workers: WORKERS,
      mix: inputs.map((input) => input.kind),
      service: { seconds: serviceMs / 1000, jobsPerMinute: perMinute(serviceMs) },
      bare: { seconds: bareMs / 1000, jobsPerMinute: perMinute(bareMs) },
      ratio: perMinute(serviceMs) / perMinute(bareMs),
    };
    await writeFile(path.join(reports, 'processing.json'), `${JSON.stringify(result, null, 2)}\n`);
    const markdown = `# Processing throughput benchmark

${result.date} · ${result.machine.cpus} × ${result.machine.model} · Node ${result.machine.node} · \`npm run bench -- processing\`

| | jobs | workers | wall time | jobs per minute |
|---|---|---|---|---|
| through the service (upload → \`ready\`) | ${result.jobs} | ${WORKERS} | ${result.service.seconds.toFixed(1)} s | **${result.service.jobsPerMinute.toFixed(1)}** |
| baseline: \`processMedia\` on local files | ${result.jobs} | ${WORKERS} | ${result.bare.seconds.toFixed(1)} s | ${result.bare.jobsPerMinute.toFixed(1)} |
| ratio (service ÷ baseline) | | | | **${result.ratio.toFixed(2)}** |

Mix per round (${ROUNDS} rounds): a 10 s 1280×720 H.264/AAC video (HLS ladder, MP4, poster), a 30 s MP3
(AAC rendition, waveform), a 4000×3000 JPEG (WebP thumbnails) and a 5-page PDF (page count, preview).

The service run counts everything a user waits for: the upload, the event through Kafka, the job queue,
reading the original from storage, the same processing as the baseline, storing every produced file in
GridFS and applying the result. Both runs share this machine's ${result.machine.cpus} cores with their
servers; the baseline has the machine to itself.
`;
    await writeFile(path.join(reports, 'processing.md'), markdown);
    process.stdout.write(markdown);
  } finally {
    await bench.stop();
    await rm(scratch, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
