import { stat } from 'node:fs/promises';
import path from 'node:path';
import { probeAv } from './av-probe';
import type { JobContext } from './job-context';
import type { ProcessingResult } from './media-job';
import { FFMPEG_RULES } from './sandbox-policy';
import { planVideo } from './video-plan';
import { POSTER_FILE } from './ffmpeg-args';

/** Probe, then one ladder encode (HLS + master), a remux to MP4 and a poster frame. */
export async function processVideo(context: JobContext): Promise<ProcessingResult> {
  const probe = await probeAv(context, 'Video');
  const plan = planVideo(probe, context.job.inputPath, context.job.limits.maxPixels);
  await context.run('ffmpeg', 'ffmpeg', plan.encode, FFMPEG_RULES);
  await context.run('ffmpeg', 'ffmpeg', plan.remux, FFMPEG_RULES);
  await context.run('ffmpeg', 'ffmpeg', plan.poster, FFMPEG_RULES);
  // A seek past the last frame (durations in headers lie) writes nothing: take the first frame instead.
  if (!(await nonEmpty(path.join(context.job.outputDir, POSTER_FILE)))) {
    await context.run('ffmpeg', 'ffmpeg', plan.posterFromStart, FFMPEG_RULES);
  }
  for (const file of plan.files) {
    if (!(await nonEmpty(path.join(context.job.outputDir, file.name)))) throw new Error(`ffmpeg succeeded but did not write ${file.name}`);
  }
  return {
    width: plan.video.width,
    height: plan.video.height,
    duration: probe.duration,
    bitrate: probe.bitrate,
    pageCount: null,
    codecs: { video: plan.video.codec, audio: probe.audio?.codec ?? null },
    files: plan.files,
  };
}

async function nonEmpty(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}
