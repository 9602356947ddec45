import { NodeMediaAssetsClient, type RetryNotice } from '@media/client/node';

/** Options every command understands (flags win over the environment). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  stateDir?: string;
  retries?: string;
}

export class UsageError extends Error {}

/** What a command works with: the client, the way to print, and the Ctrl-C signal. */
export class CliContext {
  readonly client: NodeMediaAssetsClient;
  readonly json: boolean;

  constructor(
    options: GlobalOptions,
    readonly signal: AbortSignal,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const baseUrl = options.url ?? env['MEDIA_ASSETS_URL'];
    const token = options.token ?? env['MEDIA_ASSETS_TOKEN'];
    if (!baseUrl) throw new UsageError('no API address: set MEDIA_ASSETS_URL or pass --url');
    if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`"${baseUrl}" is not an http(s) address`);
    if (!token) throw new UsageError('no token: set MEDIA_ASSETS_TOKEN or pass --token');
    const retries = options.retries === undefined ? undefined : Number(options.retries);
    if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) throw new UsageError('--retries takes a whole number');
    this.json = options.json ?? false;
    this.client = new NodeMediaAssetsClient({
      baseUrl,
      token,
      stateDir: options.stateDir ?? env['MEDIA_ASSETS_STATE_DIR'],
      retry: retries === undefined ? undefined : { retries },
      onRetry: (notice) => this.notice(retryLine(notice)),
    });
  }

  /** Results: JSON on stdout with --json, text otherwise. */
  print(value: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
  }

  /** Side remarks (retries, resumes) go to stderr so stdout stays the result. */
  notice(line: string): void {
    process.stderr.write(`${line}\n`);
  }
}

function retryLine(notice: RetryNotice): string {
  return `retrying (${notice.attempt}) in ${(notice.delayMs / 1000).toFixed(1)} s after ${notice.reason}`;
}
