import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
}

/** ffprobe's streams and format of a file or URL (an HLS master over HTTP works too). */
export async function probeStreams(target: string, extra: readonly string[] = []): Promise<{ streams: ProbedStream[]; format: { format_name: string; duration?: string } }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...extra, '-show_streams', '-show_format', '-of', 'json', target], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as { streams: ProbedStream[]; format: { format_name: string; duration?: string } };
}

/** Decodes every stream to the null muxer; rejects with ffmpeg's errors if anything does not decode. */
export async function decodeFully(target: string, extra: readonly string[] = []): Promise<void> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...extra, '-i', target, '-f', 'null', '-'], { maxBuffer: 16 * 1024 * 1024 });
  if (stderr.trim()) throw new Error(`decoding ${target} reported errors: ${stderr.trim().slice(0, 2000)}`);
}

/** Types of the top-level ISO BMFF boxes in order, e.g. ['ftyp', 'moov', 'mdat'] for a fast-start MP4. */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(16);
    const boxes: string[] = [];
    for (let offset = 0; offset + 8 <= size; ) {
      await handle.read(header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - offset;
      boxes.push(header.toString('latin1', 4, 8));
      if (boxSize < 8) break;
      offset += boxSize;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}
