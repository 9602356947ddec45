import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { probeAv } from './av-probe';
import { AUDIO_RENDITION_FILE, audioArgs, WAVEFORM_SAMPLE_RATE } from './ffmpeg-args';
import type { JobContext } from './job-context';
import { MediaRejectedError, type ProcessingResult } from './media-job';
import { FFMPEG_RULES } from './sandbox-policy';
import { WaveformAccumulator } from './waveform-peaks';

export const WAVEFORM_FILE = 'waveform.json';

/** Probe, then one decode that writes the AAC rendition and streams PCM into the waveform peaks. */
export async function processAudio(context: JobContext): Promise<ProcessingResult> {
  const { inputPath, outputDir, limits } = context.job;
  const probe = await probeAv(context, 'Audio');
  if (!probe.audio) throw new MediaRejectedError('corrupt_file', 'the file has no audio stream');
  const expectedSamples = probe.duration === null ? null : Math.ceil(probe.duration * WAVEFORM_SAMPLE_RATE);
  const peaks = new WaveformAccumulator(WAVEFORM_SAMPLE_RATE, expectedSamples);
  await context.run('ffmpeg', 'ffmpeg', audioArgs(inputPath, limits.maxPixels), FFMPEG_RULES, (chunk) => peaks.push(chunk));
  await writeFile(path.join(outputDir, WAVEFORM_FILE), JSON.stringify(peaks.finish()));
  return {
    width: null,
    height: null,
    duration: probe.duration,
    bitrate: probe.bitrate,
    pageCount: null,
    codecs: { video: null, audio: probe.audio.codec },
    files: [
      { role: 'rendition', name: AUDIO_RENDITION_FILE, mimeType: 'audio/mp4' },
      { role: 'waveform', name: WAVEFORM_FILE, mimeType: 'application/json' },
    ],
  };
}
