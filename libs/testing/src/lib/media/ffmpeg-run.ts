import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** ffmpeg for fixture generation (trusted inputs: lavfi sources), quiet unless it fails. */
export async function ffmpeg(args: readonly string[]): Promise<void> {
  await promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
}
