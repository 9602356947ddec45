/**
 * Splits a service's memory into V8's heap and what lives outside it (Buffers, ArrayBuffers: the bytes of
 * uploads and downloads), from the gauges prom-client's default metrics put on GET /metrics. Sampled
 * while a load runs; RSS alone cannot say which of the two grew.
 */

export interface HeapSplit {
  heapUsedBytes: number;
  externalBytes: number;
}

export interface HeapSplitPeaks {
  idle: HeapSplit;
  peak: HeapSplit;
  samples: number;
}

const GAUGES: Record<string, keyof HeapSplit> = {
  nodejs_heap_size_used_bytes: 'heapUsedBytes',
  nodejs_external_memory_bytes: 'externalBytes',
};

export async function readHeapSplit(serviceUrl: string): Promise<HeapSplit> {
  const response = await fetch(`${serviceUrl}/metrics`);
  if (!response.ok) throw new Error(`${serviceUrl}/metrics answered ${response.status}`);
  const split: HeapSplit = { heapUsedBytes: Number.NaN, externalBytes: Number.NaN };
  for (const line of (await response.text()).split('\n')) {
    // `name{labels} value` (every service sets a default `service` label) or `name value`.
    const sample = /^(\w+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    const field = sample?.[1] === undefined ? undefined : GAUGES[sample[1]];
    if (field) split[field] = Number(sample?.[2]);
  }
  if (Number.isNaN(split.heapUsedBytes) || Number.isNaN(split.externalBytes)) throw new Error(`${serviceUrl}/metrics has no nodejs heap gauges`);
  return split;
}

/**
 * Reads `idle` now, then polls every `intervalMs` until stopped. Each poll costs the service a metrics
 * scrape (about a millisecond), so the interval is coarser than the RSS sampler's; a short spike between
 * two polls is missed, which the RSS columns (kernel peak) still catch.
 */
export async function startHeapSampler(serviceUrls: Record<string, string>, intervalMs: number): Promise<{ stop: () => Promise<Record<string, HeapSplitPeaks>> }> {
  const results: Record<string, HeapSplitPeaks> = {};
  for (const [name, url] of Object.entries(serviceUrls)) {
    const idle = await readHeapSplit(url);
    results[name] = { idle, peak: { ...idle }, samples: 0 };
  }
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(
        Object.entries(serviceUrls).map(async ([name, url]) => {
          const split = await readHeapSplit(url).catch(() => undefined);
          const result = results[name];
          if (!split || !result) return;
          result.peak.heapUsedBytes = Math.max(result.peak.heapUsedBytes, split.heapUsedBytes);
          result.peak.externalBytes = Math.max(result.peak.externalBytes, split.externalBytes);
          result.samples += 1;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return results;
    },
  };
}
