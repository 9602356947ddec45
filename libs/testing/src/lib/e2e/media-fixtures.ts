import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A scratch folder for generated fixtures (never committed: they are made by ffmpeg per run). */
export function fixtureDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'media-fixtures-'));
}

/**
 * An H.264/AAC MP4 from ffmpeg's test sources; `bitrate` steers its size. `audio: false` leaves the
 * sound out; `moovLast` keeps the index at the end (as cameras write it) instead of fast start.
 */
export async function makeVideo(
  dir: string,
  { seconds = 4, size = '1280x720', bitrate = '4M', name = 'film.mp4', audio = true, moovLast = false } = {},
): Promise<string> {
  const file = path.join(dir, name);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=duration=${seconds}:size=${size}:rate=25`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', bitrate, '-pix_fmt', 'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-shortest'] : []),
    ...(moovLast ? [] : ['-movflags', '+faststart']),
    file,
  ]);
  return file;
}

/** A JPEG photo from ffmpeg's test pattern. */
export async function makePhoto(dir: string, { size = '640x480', name = 'photo.jpg' } = {}): Promise<string> {
  const file = path.join(dir, name);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}`, '-frames:v', '1', file]);
  return file;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

export async function sha256OfStream(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of stream) hash.update(piece);
  return hash.digest('hex');
}

/** The seed's instruction, literally: `split -b{X}m film.mp4` into parts, in order. */
export async function splitFile(file: string, megabytes: number, dir: string): Promise<string[]> {
  const prefix = path.join(dir, `${path.basename(file)}.part-`);
  await run('split', [`-b${megabytes}m`, file, prefix]);
  const { stdout } = await run('bash', ['-c', `ls -1 "${prefix}"*`]);
  return stdout.trim().split('\n').sort();
}
