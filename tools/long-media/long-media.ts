/**
 * `npx tsx tools/long-media/long-media.ts [--minutes 4] [--size 1920x1080]`: proof that a long video finishes
 * under the encoder's default bounds. Generates a video from ffmpeg's test sources (lavfi: a moving test
 * pattern and a tone, so nothing is committed), runs the encoder's own processing on it with the limits the
 * default configuration gives a job (base bound, per-media-second allowance, ceiling, CPU and memory), and
 * writes reports/long-media.md: the media's length, the bound it got, the time it took and what it produced.
 * Too slow for the default test suite (minutes of 1080p encoding on a small machine); run it by hand.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { findRepoRoot, makeVideo } from '@media/testing';
import { encoderConfigSchema } from '../../apps/encoder/src/app/encoder.config';
import { jobTimeLimit } from '../../apps/encoder/src/app/media/job-time-limit';
import type { JobLimits } from '../../apps/encoder/src/app/media/media-job';
import { processMedia } from '../../apps/encoder/src/app/media/media-processor';

const options = new Command()
  .option('--minutes <n>', 'length of the generated video', '4')
  .option('--size <WxH>', 'frame size', '1920x1080')
  .parse()
  .opts<{ minutes: string; size: string }>();

/** A field's default, exactly as the encoder reads it with nothing set. */
function defaultOf<K extends keyof typeof encoderConfigSchema.shape>(name: K): number {
  return Number(encoderConfigSchema.shape[name].parse(undefined));
}

async function main(): Promise<void> {
  const seconds = Math.round(Number(options.minutes) * 60);
  const base = { wallClockMs: defaultOf('ENCODER_JOB_TIMEOUT_SECONDS') * 1000, cpuSeconds: defaultOf('ENCODER_JOB_CPU_SECONDS') };
  const scaling = { perMediaSecond: defaultOf('ENCODER_JOB_TIMEOUT_PER_MEDIA_SECOND'), maxSeconds: defaultOf('ENCODER_JOB_TIMEOUT_MAX_SECONDS') };
  const limits: JobLimits = {
    ...base,
    durationScaling: scaling,
    memoryBytes: defaultOf('ENCODER_JOB_MEMORY_MB') * 1024 * 1024,
    maxPixels: defaultOf('ENCODER_MAX_PIXELS'),
    fileBytes: defaultOf('ENCODER_JOB_FILE_MB') * 1024 * 1024,
    processes: defaultOf('ENCODER_JOB_PROCESSES'),
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'long-media-'));
  try {
    const log = (line: string) => process.stderr.write(`[long-media] ${line}\n`);
    log(`generating ${seconds} s of ${options.size} video`);
    const started = performance.now();
    const input = await makeVideo(dir, { seconds, size: options.size, bitrate: '6M', name: 'long.mp4' });
    const generatedS = (performance.now() - started) / 1000;
    const outputDir = path.join(dir, 'out');
    await mkdir(outputDir);
    const bound = jobTimeLimit(base, scaling, seconds);
    log(`processing with a bound of ${bound.wallClockMs / 1000} s (fixed bound would be ${base.wallClockMs / 1000} s)`);
    const t0 = performance.now();
    const result = await processMedia({ label: 'Video', mimeType: 'video/mp4', inputPath: input, outputDir, limits });
    const tookS = (performance.now() - t0) / 1000;
    const [load1] = os.loadavg();
    const sizes = await Promise.all(result.files.map(async (file) => ({ ...file, bytes: (await stat(path.join(outputDir, file.name))).size })));
    const renditions = sizes.filter((f) => f.name.endsWith('.m3u8')).length;
    const lines = [
      '# Long media under the default encoder bounds',
      '',
      `Command: \`npx tsx tools/long-media/long-media.ts --minutes ${options.minutes} --size ${options.size}\` on this machine (${os.cpus().length} cores, shared with other work; load average ${load1?.toFixed(1)} at the end), ${new Date().toISOString()}.`,
      '',
      '| | |',
      '|---|---|',
      `| input | ${seconds} s of ${options.size} at 25 fps with AAC audio (lavfi testsrc2 + sine, generated in ${generatedS.toFixed(0)} s, ${((await stat(input)).size / 1e6).toFixed(1)} MB) |`,
      `| probed duration | ${result.duration?.toFixed(1)} s, ${result.width}x${result.height} |`,
      `| default bounds | base ${base.wallClockMs / 1000} s + ${scaling.perMediaSecond} s per media second, ceiling ${scaling.maxSeconds} s; CPU ${base.cpuSeconds} s per process, scaled alike |`,
      `| this job's bound | ${(bound.wallClockMs / 1000).toFixed(0)} s wall clock, ${bound.cpuSeconds} CPU s per process |`,
      `| processing took | **${tookS.toFixed(0)} s** (${(tookS / seconds).toFixed(2)} s per media second) — ${tookS * 1000 < base.wallClockMs ? 'within' : 'PAST'} the old fixed ${base.wallClockMs / 1000} s bound |`,
      `| outcome | finished: ${result.files.length} files, ${renditions} playlists |`,
      '',
      '| file | role | bytes |',
      '|---|---|---|',
      ...sizes.filter((f) => !f.name.endsWith('.ts') && !f.name.endsWith('.m4s')).map((f) => `| ${f.name} | ${f.role} | ${f.bytes} |`),
      `| (${sizes.filter((f) => f.name.endsWith('.ts') || f.name.endsWith('.m4s')).length} segments) | | ${sizes.filter((f) => f.name.endsWith('.ts') || f.name.endsWith('.m4s')).reduce((a, f) => a + f.bytes, 0)} |`,
      '',
    ];
    const reports = path.join(findRepoRoot(), 'reports');
    await mkdir(reports, { recursive: true });
    await writeFile(path.join(reports, 'long-media.md'), lines.join('\n'));
    process.stdout.write(lines.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
