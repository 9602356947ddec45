import fc from 'fast-check';
import { leastSquares, percentile, slopePerHour } from './soak-stats';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.9)).toBe(9);
    expect(percentile(values, 0.99)).toBe(10);
    expect(percentile(values, 1)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([42], 0.99)).toBe(42);
  });

  it('is null without values and refuses a q outside [0, 1]', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('is one of the values, between min and max, and grows with q', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (values, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const p = percentile(values, low) as number;
        expect(values).toContain(p);
        expect(p).toBeLessThanOrEqual(percentile(values, high) as number);
        expect(p).toBeGreaterThanOrEqual(Math.min(...values));
      }),
    );
  });
});

describe('leastSquares', () => {
  it('recovers an exact line', () => {
    const fit = leastSquares([0, 1, 2, 3].map((x) => ({ x, y: 3 * x + 7 })));
    expect(fit?.slope).toBeCloseTo(3, 12);
    expect(fit?.intercept).toBeCloseTo(7, 12);
    expect(fit?.n).toBe(4);
  });

  it('fits the textbook example', () => {
    // Hand-computed: mean x 3, mean y 4, Sxy 6, Sxx 10, so slope 0.6 and intercept 4 − 0.6 × 3 = 2.2.
    const fit = leastSquares([{ x: 1, y: 2 }, { x: 2, y: 4 }, { x: 3, y: 5 }, { x: 4, y: 4 }, { x: 5, y: 5 }]);
    expect(fit?.slope).toBeCloseTo(0.6, 12);
    expect(fit?.intercept).toBeCloseTo(2.2, 12);
  });

  it('is null for fewer than two points or a single x', () => {
    expect(leastSquares([])).toBeNull();
    expect(leastSquares([{ x: 1, y: 1 }])).toBeNull();
    expect(leastSquares([{ x: 1, y: 1 }, { x: 1, y: 5 }])).toBeNull();
  });

  it('finds any line through points at epoch-millisecond times (no cancellation)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 3, max: 50 }), (slope, intercept, n) => {
        const start = 1_790_000_000_000;
        const fit = leastSquares(Array.from({ length: n }, (_, i) => ({ x: start + i * 5000, y: intercept + (slope * i * 5000) / 1000 })));
        expect(fit?.slope).toBeCloseTo(slope / 1000, 9);
      }),
    );
  });

  it('does not move when a constant is added to every y, and scales with y', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 })), { minLength: 2, maxLength: 50 }), fc.integer({ min: -1e6, max: 1e6 }), (pairs, shift) => {
        const points = pairs.map(([x, y]) => ({ x, y }));
        const fit = leastSquares(points);
        if (fit === null) return;
        const shifted = leastSquares(points.map(({ x, y }) => ({ x, y: y + shift })));
        expect(shifted?.slope).toBeCloseTo(fit.slope, 6);
        expect(leastSquares(points.map(({ x, y }) => ({ x, y: 2 * y })))?.slope).toBeCloseTo(2 * fit.slope, 6);
      }),
    );
  });
});

describe('slopePerHour', () => {
  it('scales a per-millisecond slope to an hour', () => {
    // 1 MB every minute = 60 MB per hour.
    const samples = Array.from({ length: 10 }, (_, i) => ({ atMs: 1_000_000 + i * 60_000, value: 100e6 + i * 1e6 }));
    expect(slopePerHour(samples)).toBeCloseTo(60e6, 3);
  });

  it('is flat for a constant series and null without two distinct times', () => {
    expect(slopePerHour([{ atMs: 0, value: 5 }, { atMs: 10, value: 5 }, { atMs: 20, value: 5 }])).toBe(0);
    expect(slopePerHour([{ atMs: 0, value: 5 }])).toBeNull();
  });
});
