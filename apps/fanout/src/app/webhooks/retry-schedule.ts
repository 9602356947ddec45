/** How much a scheduled delay may move either way, so receivers that failed together do not recover together. */
export const JITTER_FRACTION = 0.2;

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * After the `failures`-th failed attempt (1-based): wait the schedule's entry for it, ±20 % jitter, or the
 * receiver's Retry-After when it sent one (capped at `maxRetryAfterMs`); past the end of the schedule, give up.
 */
export function nextRetry(
  failures: number,
  scheduleSeconds: readonly number[],
  options: { random: () => number; retryAfterMs?: number; maxRetryAfterMs?: number },
): RetryDecision {
  const base = scheduleSeconds[failures - 1];
  if (base === undefined) return { retry: false };
  if (options.retryAfterMs !== undefined) {
    return { retry: true, delayMs: Math.min(Math.max(options.retryAfterMs, 0), options.maxRetryAfterMs ?? Number.POSITIVE_INFINITY) };
  }
  const jitter = 1 + JITTER_FRACTION * (options.random() * 2 - 1);
  return { retry: true, delayMs: Math.round(base * 1000 * jitter) };
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; anything else is ignored. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // IMF-fixdate and the two obsolete forms all parse with Date; a bare number or garbage does not qualify.
  if (!/^[A-Za-z]{3,9}, /.test(value) && !/^[A-Za-z]{3} [A-Za-z]{3} /.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(at - nowMs, 0);
}

/** `WEBHOOK_RETRY_SCHEDULE_SECONDS`: comma-separated non-negative seconds. */
export function parseSchedule(value: string): number[] | undefined {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => !/^\d+(\.\d+)?$/.test(part))) return undefined;
  return parts.map(Number);
}
