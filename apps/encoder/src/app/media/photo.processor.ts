import path from 'node:path';
import type { JobContext } from './job-context';
import { MediaRejectedError, type ProcessingResult, type ProducedFile } from './media-job';
import { type PhotoHeader, checkPhotoHeader, thumbnailFile, thumbnailWidths } from './photo-plan';
import { PHOTO_WORKER_SCRIPT } from './photo-worker.script';
import type { RejectionRule } from './sandbox-policy';

/** What libvips/sharp say when the file is the problem. */
export const SHARP_RULES: readonly RejectionRule[] = [
  { pattern: /exceeds pixel limit/i, code: 'too_many_pixels', message: 'the image exceeds the pixel limit' },
  { pattern: /unsupported image format|unsupported/i, code: 'unsupported_format', message: 'the image format is not supported' },
  { pattern: /premature end|truncated|corrupt|invalid|bad|error/i, code: 'corrupt_file', message: 'the image is corrupt or truncated' },
];

interface Made {
  file: string;
  width: number;
  height: number;
}

/**
 * Header first (format allow-list, pixel limit, EXIF orientation), then WebP thumbnails, all in one
 * sandboxed sharp child (see photo-worker.script.ts for why a child).
 */
export async function processPhoto(context: JobContext): Promise<ProcessingResult> {
  const { inputPath, outputDir, limits } = context.job;
  const lines = new LineQueue();
  const workerJob = {
    inputPath,
    maxPixels: limits.maxPixels,
    timeoutSeconds: Math.max(1, Math.ceil(limits.cpuSeconds)),
    // Where the child looks for sharp: the service's working directory and its entry script's folder.
    searchPaths: [process.cwd(), path.dirname(process.argv[1] ?? process.cwd())],
  };
  const child = context.start('sharp', process.execPath, ['--max-old-space-size=128', '-e', PHOTO_WORKER_SCRIPT, JSON.stringify(workerJob)], SHARP_RULES, {
    interactive: true,
    onStdout: (chunk) => lines.push(chunk),
  });
  const stdin = child.stdin;
  if (!stdin) throw new Error('the photo worker has no stdin');
  try {
    const header = JSON.parse(await lines.next(child.done)) as PhotoHeader;
    const displayed = checkPhotoHeader(header, limits.maxPixels);
    const outputs = thumbnailWidths(displayed.width).map((width) => ({ width, file: path.join(outputDir, thumbnailFile(width)) }));
    stdin.end(`${JSON.stringify({ outputs })}\n`);
    const { made } = JSON.parse(await lines.next(child.done)) as { made: Made[] };
    await child.done;
    const files: ProducedFile[] = made.map((output) => ({
      role: 'thumbnail',
      name: path.basename(output.file),
      mimeType: 'image/webp',
      width: output.width,
      height: output.height,
    }));
    return { width: displayed.width, height: displayed.height, duration: null, bitrate: null, pageCount: null, files };
  } catch (error) {
    // Refused on the header: close the conversation so the child exits without decoding anything.
    stdin.end();
    await child.done.catch(() => undefined);
    throw error;
  }
}

/** Newline-delimited messages from the child, awaited one at a time (or the child's end, whichever first). */
class LineQueue {
  private buffered = '';
  private waiting: ((line: string) => void) | null = null;
  private ready: string[] = [];

  push(chunk: Buffer): void {
    this.buffered += chunk.toString('utf8');
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      this.deliver(this.buffered.slice(0, newline));
      this.buffered = this.buffered.slice(newline + 1);
      newline = this.buffered.indexOf('\n');
    }
  }

  next(ended: Promise<unknown>): Promise<string> {
    const ready = this.ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    const endedFirst = ended.then(() => {
      throw new MediaRejectedError('corrupt_file', 'the photo worker ended without an answer');
    });
    // Observed here because it usually loses the race and would otherwise be an unhandled rejection.
    endedFirst.catch(() => undefined);
    return Promise.race([new Promise<string>((resolve) => (this.waiting = resolve)), endedFirst]);
  }

  private deliver(line: string): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(line);
    else this.ready.push(line);
  }
}
