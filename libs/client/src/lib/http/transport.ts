import { MediaAssetsError } from './problem.error';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.policy';
import { buffered, type RetryNotice, withRetries } from './with-retries';

export interface TransportOptions {
  /** The gateway's address, e.g. `https://media.example.com`. */
  baseUrl: string;
  /** Bearer token (tenant and scopes are in it). */
  token?: string;
  /** A fetch of your own (a proxy agent, a test double of the network); the global one by default. */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Told about every retry (the CLI shows them). */
  onRetry?: (notice: RetryNotice) => void;
  /**
   * Send upload bodies as streams so progress moves inside a request. Node's fetch can; most browsers
   * cannot yet (they send whole Blobs), so this defaults to "running on Node".
   */
  streamingUploads?: boolean;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

function runsOnNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Addresses, auth and retries shared by every call. */
export class Transport {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  readonly fetch: typeof fetch;
  readonly streamingUploads: boolean;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    // Bound so a browser's window.fetch is not called with another `this`.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.streamingUploads = options.streamingUploads ?? runsOnNode();
  }

  url(path: string, query?: Query): string {
    const url = new URL(path.startsWith('http') ? path : `${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url.toString();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}), ...extra };
  }

  retryContext(signal?: AbortSignal) {
    return { policy: this.policy, signal, onRetry: this.options.onRetry };
  }

  /**
   * A call with a small (or no) JSON body, retried on network failures, 5xx and 429. Its answer is read
   * whole within the attempt unless `stream` (a download, whose caller continues a cut body with Range).
   */
  send(
    method: string,
    path: string,
    { json, query, headers, signal, stream = false }: { json?: unknown; query?: Query; headers?: Record<string, string>; signal?: AbortSignal; stream?: boolean } = {},
  ): Promise<Response> {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const allHeaders = this.headers({ ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
    return withRetries(async () => {
      const response = await this.fetch(this.url(path, query), { method, headers: allHeaders, body, signal });
      return stream ? response : buffered(response);
    }, this.retryContext(signal));
  }

  /** The JSON of an expected answer, or the API's problem as a MediaAssetsError. */
  async expect<T>(response: Response, what: string, ...statuses: number[]): Promise<T> {
    if (!statuses.includes(response.status)) throw await MediaAssetsError.fromResponse(response, what);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}
