import { abortReason, isAbort } from './problem.error';
import { decideRetry, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry.policy';

export interface RetryNotice {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** `HTTP 503`, `network: fetch failed`, ... */
  reason: string;
}

export interface RetryContext {
  policy: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
  /** Tests make the jitter predictable. */
  random?: () => number;
}

/** Waits, or stops at once with the abort reason when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal ? abortReason(signal) : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * fetch rejects with a TypeError when the connection fails or is cut, in Node (undici) and in browsers alike.
 * By name, not instanceof: the error may come from another realm (a test sandbox, an iframe's fetch).
 */
export function isNetworkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TypeError';
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The answer with its body read in full, inside the attempt: a connection cut in the middle of a body is
 * then a failure to retry like any other, not an error surfacing later in the caller's JSON parsing.
 */
export async function buffered(response: Response): Promise<Response> {
  const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function describeNetworkError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message, cause } = error as { message?: unknown; cause?: { message?: unknown } };
  return typeof cause?.message === 'string' ? `${String(message)}: ${cause.message}` : String(message);
}

/**
 * Sends until the answer is final: a network failure, a 5xx or a 429 is tried again after a backoff (or the
 * server's Retry-After) while the policy allows; anything else, or the last retryable answer, is returned.
 * `send` must build a fresh request each time (a body stream can be read once).
 */
export async function withRetries(send: (attempt: number) => Promise<Response>, context: RetryContext): Promise<Response> {
  for (let attempt = 0; ; attempt += 1) {
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await send(attempt);
    } catch (error) {
      if (isAbort(error, context.signal) || !isNetworkError(error)) throw context.signal?.aborted ? abortReason(context.signal) : error;
      failure = error;
    }
    if (response && !isRetryableStatus(response.status)) return response;
    const retryAfterMs = response ? parseRetryAfter(response.headers.get('retry-after'), Date.now()) : undefined;
    const decision = decideRetry(attempt, context.policy, retryAfterMs, context.random);
    if (!decision.retry) {
      if (response) return response;
      throw failure;
    }
    // The body of an answer we will not use is released, so its connection can be reused.
    await response?.body?.cancel().catch(() => undefined);
    context.onRetry?.({ attempt: attempt + 1, delayMs: decision.delayMs, reason: response ? `HTTP ${response.status}` : `network: ${describeNetworkError(failure)}` });
    await sleep(decision.delayMs, context.signal);
  }
}

/** A fetch that retries (for typed calls whose bodies are small, so they are cloned and read whole per attempt). */
export function retryingFetch(fetchImpl: typeof fetch, context: Omit<RetryContext, 'signal'>): (request: Request) => Promise<Response> {
  return (request) => withRetries(async () => buffered(await fetchImpl(request.clone())), { ...context, signal: request.signal });
}
