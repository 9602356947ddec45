import { type AvKind, ffprobeArgs } from './ffmpeg-args';
import type { JobContext } from './job-context';
import { MediaRejectedError } from './media-job';
import { type MediaProbe, parseProbe } from './media-probe';
import { FFMPEG_RULES } from './sandbox-policy';

/** ffprobe's complaint when the decoder refused a frame size over `-max_pixels`. */
const REFUSED_FRAME = /Picture size (\d+)x(\d+) is invalid/;

/** ffprobe under the job's sandbox: only allowed demuxers, the local file, the pixel budget. */
export async function probeAv(context: JobContext, kind: AvKind): Promise<MediaProbe> {
  const { inputPath, limits } = context.job;
  const { stdout, stderrTail } = await context.start('ffprobe', 'ffprobe', ffprobeArgs(inputPath, kind, limits.maxPixels), FFMPEG_RULES).done;
  let probe: MediaProbe;
  try {
    probe = parseProbe(stdout);
  } catch (error) {
    throw new MediaRejectedError('corrupt_file', 'ffprobe could not describe the file', String(error));
  }
  // The decoder refused the frame (so the stream reports no size) and ffprobe still succeeded: name the reason.
  const refused = REFUSED_FRAME.exec(stderrTail);
  if (kind === 'Video' && !probe.video && refused) {
    throw new MediaRejectedError('too_many_pixels', `a ${refused[1]}x${refused[2]} video frame exceeds the pixel limit of ${limits.maxPixels}`, stderrTail);
  }
  // Every tool after the probe works through the whole media: its bounds follow the media's length.
  context.scaleToDuration(probe.duration);
  return probe;
}
