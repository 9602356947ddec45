import { nextRetry, parseRetryAfter, parseSchedule } from './retry-schedule';

/** A deterministic stand-in for Math.random: a small LCG with a fixed seed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('retry schedule', () => {
  const schedule = [5, 30, 120, 600, 1800, 7200, 18000];

  it('follows the schedule with at most ±20 % jitter, then gives up', () => {
    const random = seeded(42);
    schedule.forEach((seconds, index) => {
      for (let i = 0; i < 50; i += 1) {
        const decision = nextRetry(index + 1, schedule, { random });
        if (!decision.retry) throw new Error('expected a retry');
        expect(decision.delayMs).toBeGreaterThanOrEqual(seconds * 800);
        expect(decision.delayMs).toBeLessThanOrEqual(seconds * 1200);
      }
    });
    expect(nextRetry(schedule.length + 1, schedule, { random })).toEqual({ retry: false });
  });

  it('spreads delays (jitter) and puts the extremes where they belong', () => {
    expect(nextRetry(1, schedule, { random: () => 0 })).toEqual({ retry: true, delayMs: 4000 });
    expect(nextRetry(1, schedule, { random: () => 0.5 })).toEqual({ retry: true, delayMs: 5000 });
    expect(nextRetry(1, schedule, { random: () => 0.999999 })).toEqual({ retry: true, delayMs: 6000 });
    const random = seeded(7);
    const delays = new Set(Array.from({ length: 20 }, () => (nextRetry(2, schedule, { random }) as { delayMs: number }).delayMs));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('honours Retry-After, capped, but never beyond the schedule', () => {
    expect(nextRetry(1, schedule, { random: () => 0.5, retryAfterMs: 90_000 })).toEqual({ retry: true, delayMs: 90_000 });
    expect(nextRetry(1, schedule, { random: () => 0.5, retryAfterMs: 10 ** 9, maxRetryAfterMs: 3_600_000 })).toEqual({ retry: true, delayMs: 3_600_000 });
    expect(nextRetry(8, schedule, { random: () => 0.5, retryAfterMs: 1000 })).toEqual({ retry: false });
  });

  it('parses Retry-After as seconds or an HTTP-date', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Wednesday, 25-Nov-26 10:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed Nov 25 10:00:05 2026', now)).toBeGreaterThanOrEqual(0);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('2026-11-25T10:00:00Z', now)).toBeUndefined();
  });

  it('parses the configured schedule', () => {
    expect(parseSchedule('5,30,120')).toEqual([5, 30, 120]);
    expect(parseSchedule(' 1 , 0.5 ')).toEqual([1, 0.5]);
    expect(parseSchedule('5,,30')).toBeUndefined();
    expect(parseSchedule('5,-1')).toBeUndefined();
    expect(parseSchedule('x')).toBeUndefined();
  });
});
