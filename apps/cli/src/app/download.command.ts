import { existsSync } from 'node:fs';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { CliContext } from './cli-context';
import { formatBytes } from './cli-format';

/**
 * `download <id>`: a stored file of the asset (the original by default) to a file. A cut connection is
 * continued with Range; after Ctrl-C or a crash the same command continues the `.part` file.
 */
export async function downloadCommand(context: CliContext, id: string, options: { output?: string; role: string }): Promise<number> {
  const asset = await context.client.get(id, { signal: context.signal });
  const file = asset.cdn_files.items.find((item) => item.role === options.role);
  if (!file) throw new Error(`asset ${id} has no ${options.role} file (yet: its status is ${asset.status})`);
  const target = path.resolve(options.output ?? file.file);
  if (existsSync(target)) throw new Error(`${target} exists; choose another --output`);
  const bar = process.stderr.isTTY && !context.json ? new SingleBar({ stream: process.stderr, format: '{bar} {percentage}% | {value}/{total} | {eta_formatted} | {file}', hideCursor: true, formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? formatBytes(value) : String(value)) }, Presets.shades_classic) : undefined;
  bar?.start(file.size, 0, { file: path.basename(target) });
  try {
    const result = await context.client.downloadToFile(file.url, target, {
      signal: context.signal,
      onProgress: (progress) => bar?.update(progress.receivedBytes),
    });
    bar?.stop();
    if (result.resumedFrom > 0) context.notice(`resumed from byte ${result.resumedFrom}`);
    context.print({ id, file: file.id, path: result.path, bytes: result.bytes, resumed_from: result.resumedFrom }, () => `${result.path}  ${formatBytes(result.bytes)}`);
    return 0;
  } finally {
    bar?.stop();
  }
}
