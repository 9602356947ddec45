import path from 'node:path';
import { ffmpeg } from './ffmpeg-run';

const AUDIO_CODECS: Record<'mp3' | 'm4a' | 'wav' | 'flac', string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '128k'],
  m4a: ['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'],
  wav: ['-c:a', 'pcm_s16le'],
  flac: ['-c:a', 'flac'],
};

/** A tone from ffmpeg's `sine` source whose loudness rises over time (so waveform peaks have a shape). */
export async function makeAudio(
  dir: string,
  { seconds = 3, format = 'mp3', frequency = 440, name }: { seconds?: number; format?: keyof typeof AUDIO_CODECS; frequency?: number; name?: string } = {},
): Promise<string> {
  const file = path.join(dir, name ?? `tone.${format}`);
  await ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${frequency}:duration=${seconds}:sample_rate=44100`, '-af', `volume='0.1+0.9*t/${seconds}':eval=frame`, ...AUDIO_CODECS[format], file]);
  return file;
}
