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

/** fetch rejects with a TypeError when the connection fails or is cut, in Node (undici) and in browsers alike. */
export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError;
}

export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
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

/** A fetch that retries (for typed calls whose bodies are small and so can be cloned for every attempt). */
export function retryingFetch(fetchImpl: typeof fetch, context: Omit<RetryContext, 'signal'>): (request: Request) => Promise<Response> {
  return (request) => withRetries(() => fetchImpl(request.clone()), { ...context, signal: request.signal });
}
