import fc from 'fast-check';
import { jobTimeLimit } from './job-time-limit';

const base = { wallClockMs: 900_000, cpuSeconds: 1800 };
const scaling = { perMediaSecond: 4, maxSeconds: 43_200 };

describe('jobTimeLimit', () => {
  it('adds the per-second allowance to the base bound and grows the CPU bound in proportion', () => {
    // A 10-minute film: 900 + 600 × 4 = 3300 s wall clock; CPU 1800 × 3300 / 900 = 6600 s.
    expect(jobTimeLimit(base, scaling, 600)).toEqual({ wallClockMs: 3_300_000, cpuSeconds: 6600 });
  });

  it('stops at the ceiling however long the file claims to be', () => {
    expect(jobTimeLimit(base, scaling, 1e9)).toEqual({ wallClockMs: 43_200_000, cpuSeconds: 86_400 });
    expect(jobTimeLimit(base, scaling, Number.MAX_VALUE).wallClockMs).toBe(43_200_000);
  });

  it.each([null, 0, -5, Number.NaN, Number.POSITIVE_INFINITY])('keeps the base bounds for a duration of %p', (duration) => {
    expect(jobTimeLimit(base, scaling, duration)).toEqual(base);
  });

  it('never goes below the base, even with a ceiling under it', () => {
    expect(jobTimeLimit(base, { perMediaSecond: 4, maxSeconds: 60 }, 600)).toEqual(base);
  });

  it('is monotonic in the duration and always within [base, ceiling]', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (a, b, factor) => {
        const policy = { perMediaSecond: factor, maxSeconds: 43_200 };
        const [short, long] = a <= b ? [a, b] : [b, a];
        const first = jobTimeLimit(base, policy, short);
        const second = jobTimeLimit(base, policy, long);
        expect(second.wallClockMs).toBeGreaterThanOrEqual(first.wallClockMs);
        for (const limit of [first, second]) {
          expect(limit.wallClockMs).toBeGreaterThanOrEqual(base.wallClockMs);
          expect(limit.wallClockMs).toBeLessThanOrEqual(43_200_000);
          expect(limit.cpuSeconds).toBeGreaterThanOrEqual(base.cpuSeconds);
        }
      }),
    );
  });
});
