/**
 * When and how long to wait before trying again: pure, so every rule has a spec. Backoff is exponential with
 * full jitter (a random wait between 0 and the exponential cap), which spreads many clients retrying after
 * one outage instead of having them hit the server in lockstep.
 */
export interface RetryPolicy {
  /** Attempts after the first one; 0 disables retrying. */
  retries: number;
  /** The cap of the first wait; each further attempt doubles it. */
  baseDelayMs: number;
  /** No computed wait is longer than this. */
  maxDelayMs: number;
  /** A server's Retry-After longer than this is not waited for: the error is returned instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 8, baseDelayMs: 250, maxDelayMs: 20_000, maxRetryAfterMs: 120_000 };

/** 429 (slow down) and every 5xx are worth another try; any other answer is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Full jitter: uniformly random in [0, min(max, base * 2^attempt)); `attempt` counts retries from 0. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * Whether attempt number `attempt` (0 = the first retry) may happen, and after how long. A server's
 * Retry-After is honoured as given (it knows when it will be ready), within `maxRetryAfterMs`.
 */
export function decideRetry(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): RetryDecision {
  if (attempt >= policy.retries) return { retry: false };
  if (retryAfterMs !== undefined) return retryAfterMs > policy.maxRetryAfterMs ? { retry: false } : { retry: true, delayMs: retryAfterMs };
  return { retry: true, delayMs: backoffDelay(attempt, policy, random) };
}
