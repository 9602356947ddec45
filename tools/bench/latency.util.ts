import { performance } from 'node:perf_hooks';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[sorted.length - 1] as number, mean: values.reduce((a, b) => a + b, 0) / values.length, samples: values.length };
}

/** Resolves `wait(key)` when `arrive(key)` is called, whichever comes first; records the arrival time. */
export class Arrivals {
  private readonly times = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  arrive(key: string): void {
    const at = performance.now();
    if (this.times.has(key)) return;
    this.times.set(key, at);
    this.waiters.get(key)?.(at);
  }

  wait(key: string, timeoutMs = 30_000): Promise<number> {
    const known = this.times.get(key);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no arrival for ${key} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(key, (at) => {
        clearTimeout(timer);
        this.waiters.delete(key);
        resolve(at);
      });
    });
  }
}
