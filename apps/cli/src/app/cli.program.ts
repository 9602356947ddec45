import { Command, InvalidArgumentError, Option } from 'commander';
import type { Asset, AssetListQuery } from '@media/client/node';
import { CliContext, type GlobalOptions } from './cli-context';
import { formatBytes, parseSize, table } from './cli-format';
import { downloadCommand } from './download.command';
import { uploadCommand } from './upload.command';

declare const CLI_VERSION: string | undefined;
const version = typeof CLI_VERSION === 'string' ? CLI_VERSION : 'dev';

const size = (value: string) => {
  try {
    return parseSize(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const count = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('a whole number');
  return parsed;
};

/**
 * The `media-assets` program. `run` is given the Ctrl-C signal and resolves to the exit code; every command
 * reads its context (URL, token, --json) from the global options.
 */
export function cliProgram(signal: AbortSignal, setExitCode: (code: number) => void): Command {
  const program = new Command('media-assets')
    .description('Upload, list, download and delete media assets; manage webhooks.')
    .version(version)
    .option('--url <url>', 'the API address (or MEDIA_ASSETS_URL)')
    .option('--token <token>', 'the bearer token (or MEDIA_ASSETS_TOKEN)')
    .option('--json', 'print results as JSON on stdout')
    .option('--state-dir <dir>', 'where unfinished uploads are remembered (or MEDIA_ASSETS_STATE_DIR; default ~/.config/media-assets)')
    .option('--retries <n>', 'retries after network failures, 5xx and 429 (default 8)')
    .showHelpAfterError('(media-assets --help lists the commands)')
    .exitOverride();

  const context = (command: Command) => new CliContext(command.optsWithGlobals<GlobalOptions>(), signal);
  const action =
    <A extends unknown[]>(run: (context: CliContext, ...args: A) => Promise<number | void>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      setExitCode((await run(context(command), ...(args.slice(0, -1) as A))) ?? 0);
    };

  program
    .command('upload')
    .description('upload files (resumable from 16 MiB: Ctrl-C, then the same command again, continues them)')
    .argument('<files...>', 'files to upload')
    .option('--name <name>', 'the asset name (one file only; the file name by default)')
    .option('--chunk-size <size>', 'bytes per chunk, e.g. 10m (the server suggests 50 MiB)', size)
    .addOption(new Option('--parallel <n>', 'files uploaded at the same time').default(3).argParser(count))
    .action(action((ctx, files: string[], options: { name?: string; chunkSize?: number; parallel: number }) => uploadCommand(ctx, files, options)));

  program
    .command('ls')
    .description('list assets, newest first')
    .option('--label <label>', 'Photo, Video, Audio, Document or File')
    .option('--status <status>', 'uploading, processing, ready or failed')
    .option('--tag <tag...>', 'carrying every one of these tags')
    .option('--reference-id <id>', 'with this reference_id')
    .option('--search <text>', 'name contains')
    .option('--sort <field>', 'created_on, -created_on, changed_on, -changed_on, name', '-created_on')
    .addOption(new Option('--limit <n>', 'page size').default(20).argParser(count))
    .addOption(new Option('--skip <n>', 'assets to skip').default(0).argParser(count))
    .option('--all', 'every page, not just one')
    .action(
      action(async (ctx, options: { label?: string; status?: string; tag?: string[]; referenceId?: string; search?: string; sort?: string; limit: number; skip: number; all?: boolean }) => {
        const query = {
          label: options.label,
          status: options.status,
          tags: options.tag?.join(','),
          reference_id: options.referenceId,
          q: options.search,
          sort: options.sort,
          limit: options.limit,
          skip: options.skip,
        } as AssetListQuery;
        const rows = (items: { id: string; label: string; status: string; file_size: number | null; name: string }[]) =>
          table([['ID', 'LABEL', 'STATUS', 'SIZE', 'NAME'], ...items.map((a) => [a.id, a.label, a.status, formatBytes(a.file_size), a.name])]);
        if (options.all) {
          const items: Asset[] = [];
          for await (const asset of ctx.client.list(query, { signal: ctx.signal })) items.push(asset);
          ctx.print(items, () => rows(items));
          return;
        }
        const page = await ctx.client.listPage(query, { signal: ctx.signal });
        const shown = page.skip + page.items.length;
        ctx.print(page, () => `${rows(page.items)}\n${page.items.length ? page.skip + 1 : 0}-${shown} of ${page.total}${shown < page.total ? ` (next: --skip ${shown})` : ''}`);
      }),
    );

  program
    .command('get')
    .description('show one asset')
    .argument('<id>')
    .action(
      action(async (ctx, id: string) => {
        const asset = await ctx.client.get(id, { signal: ctx.signal });
        ctx.print(asset, () =>
          table([
            ['id', asset.id],
            ['name', asset.name],
            ['label', asset.label],
            ['status', asset.status],
            ['size', formatBytes(asset.file_size)],
            ['mime type', asset.mime_type ?? '-'],
            ['sha256', asset.checksum?.sha256 ?? '-'],
            ['created', asset.created_on],
            ...asset.cdn_files.items.map((file) => [file.role, file.url]),
          ]),
        );
      }),
    );

  program
    .command('rm')
    .description('delete assets (their stored files go with them)')
    .argument('<ids...>')
    .action(
      action(async (ctx, ids: string[]) => {
        for (const id of ids) await ctx.client.delete(id, { signal: ctx.signal });
        ctx.print({ deleted: ids }, () => ids.map((id) => `deleted ${id}`).join('\n'));
      }),
    );

  program
    .command('download')
    .description("save an asset's file (resumes an interrupted download with Range)")
    .argument('<id>')
    .option('-o, --output <path>', 'where to save it (the file name by default)')
    .option('--role <role>', 'which stored file: original, rendition, poster, thumbnail, ...', 'original')
    .action(action((ctx, id: string, options: { output?: string; role: string }) => downloadCommand(ctx, id, options)));

  const webhooks = program.command('webhooks').description('webhook subscriptions and their deliveries');
  webhooks
    .command('add')
    .description('subscribe a URL (the signing secret is shown once)')
    .argument('<url>')
    .option('--events <types...>', 'event types (asset.created, asset.uploaded, ...) or *', ['*'])
    .option('--description <text>')
    .action(
      action(async (ctx, url: string, options: { events: string[]; description?: string }) => {
        const events = options.events.flatMap((value) => value.split(',')).filter(Boolean);
        const created = await ctx.client.webhooks.create({ url, events, description: options.description }, { signal: ctx.signal });
        ctx.print(created, () => table([['id', created.id], ['url', created.url], ['events', created.events.join(',')], ['secret', created.secret ?? '-']]));
      }),
    );
  webhooks
    .command('ls')
    .description('list subscriptions')
    .action(
      action(async (ctx) => {
        const list = await ctx.client.webhooks.list({ signal: ctx.signal });
        ctx.print(list, () => table([['ID', 'STATUS', 'EVENTS', 'URL'], ...list.items.map((w) => [w.id, w.status, w.events.join(','), w.url])]));
      }),
    );
  webhooks
    .command('rm')
    .description('delete subscriptions')
    .argument('<ids...>')
    .action(
      action(async (ctx, ids: string[]) => {
        for (const id of ids) await ctx.client.webhooks.delete(id, { signal: ctx.signal });
        ctx.print({ deleted: ids }, () => ids.map((id) => `deleted ${id}`).join('\n'));
      }),
    );
  webhooks
    .command('deliveries')
    .description("a subscription's delivery log, newest first")
    .argument('<id>')
    .addOption(new Option('--limit <n>', 'page size').default(20).argParser(count))
    .addOption(new Option('--skip <n>', 'deliveries to skip').default(0).argParser(count))
    .action(
      action(async (ctx, id: string, options: { limit: number; skip: number }) => {
        const page = await ctx.client.webhooks.deliveries(id, options, { signal: ctx.signal });
        ctx.print(page, () =>
          table([['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST ERROR'], ...page.items.map((d) => [d.id, d.event, d.status, String(d.attempts.length), d.last_error ?? ''])]),
        );
      }),
    );
  webhooks
    .command('retry')
    .description('send a delivery again now')
    .argument('<id>', 'the subscription')
    .argument('<delivery-id>')
    .action(
      action(async (ctx, id: string, deliveryId: string) => {
        const delivery = await ctx.client.webhooks.retry(id, deliveryId, { signal: ctx.signal });
        ctx.print(delivery, () => `retried ${deliveryId}: ${delivery.status}`);
      }),
    );

  return program;
}

