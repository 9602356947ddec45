import path from 'node:path';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Asset } from '@media/client/node';
import type { CliContext } from './cli-context';
import { errorLine, formatBytes, table } from './cli-format';

export interface UploadCommandOptions {
  name?: string;
  chunkSize?: number;
  parallel: number;
}

/** Runs `work` over `items` with at most `limit` at a time, in order of the results. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

type Outcome = { file: string; asset: Asset } | { file: string; error: unknown };

/**
 * `upload <files...>`: several files at once, a progress bar each (on a terminal). Files go resumably from
 * 16 MiB up and are remembered until finished, so after Ctrl-C the same command continues the same assets.
 */
export async function uploadCommand(context: CliContext, files: string[], options: UploadCommandOptions): Promise<number> {
  if (options.name !== undefined && files.length > 1) throw new Error('--name names one file; give one file with it');
  const bars = process.stderr.isTTY && !context.json
    ? new MultiBar({ stream: process.stderr, format: '{bar} {percentage}% | {value}/{total} | {eta_formatted} | {file} {note}', hideCursor: true, clearOnComplete: false, autopadding: true, formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? formatBytes(value) : String(value)) }, Presets.shades_classic)
    : undefined;
  const width = Math.max(...files.map((file) => path.basename(file).length));
  const outcomes = await pool(files, options.parallel, async (file): Promise<Outcome> => {
    const label = path.basename(file).padEnd(width);
    let bar: SingleBar | undefined;
    let note = '';
    const payload = (text = note) => ({ file: label, note: text });
    try {
      const asset = await context.client.uploadFile(file, {
        name: options.name,
        chunkSize: options.chunkSize,
        signal: context.signal,
        onAsset: (id, resumed) => {
          note = resumed ? `(resuming ${id})` : id;
          if (!bars) context.notice(`${file}: ${resumed ? 'resuming' : 'uploading to'} asset ${id}`);
          bar?.update(payload());
        },
        onProgress: (progress) => {
          if (!bars) return;
          bar ??= bars.create(progress.totalBytes ?? 0, 0, payload());
          bar.setTotal(progress.totalBytes ?? progress.uploadedBytes);
          bar.update(progress.uploadedBytes, payload(progress.phase === 'finishing' ? 'verifying sha256' : note));
        },
      });
      bar?.update(asset.file_size ?? 0, payload(asset.id));
      return { file, asset };
    } catch (error) {
      bar?.update(payload('failed'));
      return { file, error };
    }
  });
  bars?.stop();
  const done = outcomes.filter((outcome): outcome is { file: string; asset: Asset } => 'asset' in outcome);
  const failed = outcomes.filter((outcome): outcome is { file: string; error: unknown } => 'error' in outcome);
  if (context.signal.aborted) {
    context.notice('media-assets: interrupted; run the same command again to resume the unfinished uploads');
    return 130;
  }
  if (done.length > 0) {
    context.print(
      done.map((outcome) => outcome.asset),
      () => table(done.map(({ file, asset }) => [asset.id, asset.label, asset.status, formatBytes(asset.file_size), file])),
    );
  }
  for (const { file, error } of failed) process.stderr.write(`${errorLine(error).replace('media-assets: ', `media-assets: ${file}: `)}\n`);
  return failed.length > 0 ? 1 : 0;
}
