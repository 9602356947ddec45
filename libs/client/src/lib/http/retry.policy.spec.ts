import { backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry.policy';

const policy: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe('retry policy', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [599, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [412, false],
    [413, false],
    [200, false],
    [600, false],
  ])('treats HTTP %i as retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 30 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('doubles the jitter cap per attempt up to the maximum, and the wait stays below the cap', () => {
    const nearlyOne = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, nearlyOne))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(5, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(100);
  });

  it('spreads waits across the whole range (full jitter), not around one value', () => {
    const waits = Array.from({ length: 2000 }, () => backoffDelay(3, policy));
    expect(Math.min(...waits)).toBeLessThan(100);
    expect(Math.max(...waits)).toBeGreaterThan(700);
    expect(waits.every((wait) => wait >= 0 && wait < 800)).toBe(true);
  });

  it('stops after the configured number of retries', () => {
    expect(decideRetry(0, policy, undefined, () => 0.5)).toEqual({ retry: true, delayMs: 50 });
    expect(decideRetry(2, policy, undefined, () => 0.5)).toEqual({ retry: true, delayMs: 200 });
    expect(decideRetry(3, policy)).toEqual({ retry: false });
    expect(decideRetry(0, { ...policy, retries: 0 })).toEqual({ retry: false });
  });

  it("waits exactly what the server's Retry-After asks, unless that is longer than the client will wait", () => {
    expect(decideRetry(0, policy, 4000)).toEqual({ retry: true, delayMs: 4000 });
    expect(decideRetry(2, policy, 0)).toEqual({ retry: true, delayMs: 0 });
    expect(decideRetry(0, policy, 5001)).toEqual({ retry: false });
    expect(decideRetry(3, policy, 10)).toEqual({ retry: false });
  });

  it('has defaults that retry for a while without waiting minutes between tries', () => {
    expect(DEFAULT_RETRY_POLICY.retries).toBeGreaterThanOrEqual(5);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBeLessThanOrEqual(60_000);
  });
});
