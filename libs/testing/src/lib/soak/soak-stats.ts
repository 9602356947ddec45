/**
 * The arithmetic of a soak report, pure: percentiles of latencies and the least-squares slope of a
 * quantity sampled over time (memory growth per hour). Kept apart so it is tested on its own.
 */

/** Nearest-rank percentile (`q` in [0, 1]) of unsorted values; null for no values. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`a percentile is between 0 and 1, not ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

export interface Point {
  /** Time, in any unit (the slope is per that unit). */
  x: number;
  y: number;
}

export interface LinearFit {
  /** Change of y per unit of x. */
  slope: number;
  intercept: number;
  /** Points the fit used. */
  n: number;
}

/**
 * Ordinary least squares of y on x. Null with fewer than two points or when every x is the same (no
 * slope is defined); the caller says "not enough samples" rather than printing a made-up zero.
 */
export function leastSquares(points: readonly Point[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  let sumX = 0;
  let sumY = 0;
  for (const { x, y } of points) {
    sumX += x;
    sumY += y;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  // Centred sums: the raw-sum formula loses everything to cancellation with epoch-millisecond x values.
  let sxx = 0;
  let sxy = 0;
  for (const { x, y } of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, n };
}

/** Growth per hour of a series sampled at millisecond times: the least-squares slope scaled to 3,600,000 ms. */
export function slopePerHour(samples: readonly { atMs: number; value: number }[]): number | null {
  const fit = leastSquares(samples.map(({ atMs, value }) => ({ x: atMs, y: value })));
  return fit === null ? null : fit.slope * 3_600_000;
}
