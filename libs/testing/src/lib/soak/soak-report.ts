import { type MemorySample, SOAK_ROUTES, type SoakResult } from './soak-runner';
import { percentile, slopePerHour } from './soak-stats';

export interface SoakReportContext {
  /** The command that produced the run, as someone would type it again. */
  command: string;
  /** Where it ran (cores, what else was running). */
  machine: string;
  /** Lines of the services' logs that were process warnings (say, MaxListenersExceededWarning); omitted when not collected. */
  warnings?: string[];
}

export interface ServiceMemorySummary {
  service: string;
  samples: number;
  rssFirstMb: number;
  rssLastMb: number;
  rssMaxMb: number;
  /** MB per hour, least squares over every sample; null with fewer than two. */
  rssSlopeMbPerHour: number | null;
  heapFirstMb: number;
  heapLastMb: number;
  heapSlopeMbPerHour: number | null;
  maxConsumerLag: number | null;
}

const MB = 1024 * 1024;

export function summarizeMemory(service: string, samples: readonly MemorySample[]): ServiceMemorySummary | null {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) return null;
  const slope = (pick: (s: MemorySample) => number) => {
    const perHour = slopePerHour(samples.map((s) => ({ atMs: s.atMs, value: pick(s) })));
    return perHour === null ? null : perHour / MB;
  };
  const lags = samples.map((s) => s.consumerLag).filter((lag): lag is number => lag !== null);
  return {
    service,
    samples: samples.length,
    rssFirstMb: first.rssBytes / MB,
    rssLastMb: last.rssBytes / MB,
    rssMaxMb: Math.max(...samples.map((s) => s.rssBytes)) / MB,
    rssSlopeMbPerHour: slope((s) => s.rssBytes),
    heapFirstMb: first.heapUsedBytes / MB,
    heapLastMb: last.heapUsedBytes / MB,
    heapSlopeMbPerHour: slope((s) => s.heapUsedBytes),
    maxConsumerLag: lags.length > 0 ? Math.max(...lags) : null,
  };
}

const fixed = (value: number | null, digits = 1) => (value === null ? 'n/a' : value.toFixed(digits));
const signed = (value: number | null) => (value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${value.toFixed(1)}`);

/** The soak's report as Markdown: latencies per route, errors, event lag, memory over time with slopes, database growth. */
export function renderSoakReport(result: SoakResult, context: SoakReportContext): string {
  const minutes = result.trafficMs / 60_000;
  const operations = SOAK_ROUTES.reduce((sum, route) => sum + result.latenciesMs[route].length, 0);
  const memory = Object.entries(result.samples)
    .map(([service, samples]) => summarizeMemory(service, samples))
    .filter((summary): summary is ServiceMemorySummary => summary !== null);
  const { databaseBefore: before, databaseAfter: after } = result;
  const lines: string[] = [
    `# Soak: ${minutes.toFixed(1)} minutes at ${result.rate} operations per second`,
    '',
    `Started ${result.startedAt.toISOString()}. Command: \`${context.command}\`. ${context.machine}`,
    '',
    '## Summary',
    '',
    '| | |',
    '|---|---|',
    `| traffic | ${(result.trafficMs / 1000).toFixed(0)} s, ${operations} answered requests (${(operations / (result.trafficMs / 1000)).toFixed(1)}/s) |`,
    `| errors (goal 0) | **${result.errorCount}** |`,
    `| not sent (client at its concurrency cap) | ${result.skipped} |`,
    `| If-Match conflicts after a fresh read (processing changed the asset; expected, not errors) | ${result.conflicts} |`,
    `| webhook deliveries received | ${result.webhookDeliveries} |`,
    `| acknowledged writes without their webhook | ${result.eventsMissing} |`,
    `| event lag, write acknowledged → webhook received (p50 / p99 / max) | ${fixed(percentile(result.eventLagMs, 0.5), 0)} / ${fixed(percentile(result.eventLagMs, 0.99), 0)} / ${fixed(result.eventLagMs.length > 0 ? Math.max(...result.eventLagMs) : null, 0)} ms over ${result.eventLagMs.length} events |`,
    '',
    '## Latency per route (client side, ms)',
    '',
    '| route | requests | p50 | p99 | max |',
    '|---|---:|---:|---:|---:|',
    ...SOAK_ROUTES.map((route) => {
      const values = result.latenciesMs[route];
      return `| \`${route}\` | ${values.length} | ${fixed(percentile(values, 0.5))} | ${fixed(percentile(values, 0.99))} | ${fixed(values.length > 0 ? Math.max(...values) : null)} |`;
    }),
    '',
    '## Memory and consumer lag per service',
    '',
    'Sampled from each service\'s `/metrics` (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, `kafka_consumer_lag` summed over its groups). Slopes are least squares over every sample, in MB per hour; on a short run they mostly show start-up warm-up, not a leak.',
    '',
    '| service | samples | RSS first → last (max) MB | RSS slope MB/h | heap first → last MB | heap slope MB/h | max consumer lag |',
    '|---|---:|---|---:|---|---:|---:|',
    ...memory.map(
      (m) =>
        `| ${m.service} | ${m.samples} | ${fixed(m.rssFirstMb)} → ${fixed(m.rssLastMb)} (${fixed(m.rssMaxMb)}) | ${signed(m.rssSlopeMbPerHour)} | ${fixed(m.heapFirstMb)} → ${fixed(m.heapLastMb)} | ${signed(m.heapSlopeMbPerHour)} | ${m.maxConsumerLag ?? 'n/a'} |`,
    ),
    '',
    ...memoryOverTime(result),
    '## Database growth',
    '',
    'The soak tenant\'s assets and GridFS files before the traffic and after events and byte collection caught up. Files of live assets are originals plus what processing made; an orphan is a file whose asset is deleted or unknown (goal 0).',
    '',
    '| | before | after | growth |',
    '|---|---:|---:|---:|',
    `| live assets (clients count ${result.clientLiveAssets}) | ${before.liveAssets} | ${after.liveAssets} | ${after.liveAssets - before.liveAssets} |`,
    `| deleted assets (tombstones) | ${before.deletedAssets} | ${after.deletedAssets} | ${after.deletedAssets - before.deletedAssets} |`,
    `| GridFS files | ${before.files} | ${after.files} | ${after.files - before.files} |`,
    `| GridFS bytes | ${before.fileBytes} | ${after.fileBytes} | ${after.fileBytes - before.fileBytes} |`,
    `| of which files of live assets | ${before.liveFileBytes} | ${after.liveFileBytes} | ${after.liveFileBytes - before.liveFileBytes} |`,
    `| orphan files (bytes) | ${before.orphanFiles} (${before.orphanFileBytes}) | ${after.orphanFiles} (${after.orphanFileBytes}) | |`,
    `| originals of live assets, as uploaded (bytes) | | ${after.originalBytesOfLiveAssets} | |`,
    '',
    `Accounted for by live assets: ${after.fileBytes === 0 ? 'n/a (no bytes)' : `${((100 * after.liveFileBytes) / after.fileBytes).toFixed(1)} % of the stored bytes`}; stored bytes per byte of live originals: ${after.originalBytesOfLiveAssets === 0 ? 'n/a' : (after.liveFileBytes / after.originalBytesOfLiveAssets).toFixed(2)}.`,
    '',
    '## Errors',
    '',
    ...(result.errors.length === 0 ? ['None.'] : result.errors.map((error) => `- \`${error.route}\`: ${error.what.replace(/\n/g, ' ')}`)),
    ...(result.errorCount > result.errors.length ? [`- … and ${result.errorCount - result.errors.length} more`] : []),
    '',
  ];
  if (context.warnings) {
    // The same warning from one process repeats; counted once with how often it came.
    const counts = new Map<string, number>();
    for (const warning of context.warnings) {
      const key = warning.replace(/\(node:\d+\)/, '(node)').slice(0, 300);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    lines.push('## Process warnings in the service logs', '', ...(counts.size === 0 ? ['None.'] : [...counts].slice(0, 20).map(([w, n]) => `- ${n} × \`${w}\``)), '');
  }
  return lines.join('\n');
}

/** RSS and heap of each service at up to 13 evenly spread moments, so growth is visible, not only its slope. */
function memoryOverTime(result: SoakResult): string[] {
  const services = Object.keys(result.samples).filter((name) => (result.samples[name]?.length ?? 0) > 0);
  const reference = result.samples[services[0] ?? ''] ?? [];
  if (reference.length === 0) return [];
  const start = reference[0]?.atMs ?? 0;
  const points = Math.min(13, reference.length);
  const indexes = [...new Set(Array.from({ length: points }, (_, i) => Math.round((i * (reference.length - 1)) / Math.max(1, points - 1))))];
  const header = `| minute | ${services.map((s) => `${s} RSS / heap MB`).join(' | ')} |`;
  const rows = indexes.map((index) => {
    const at = reference[index]?.atMs ?? start;
    const cells = services.map((service) => {
      const series = result.samples[service] ?? [];
      // The sample of this service closest in time to the reference moment.
      const nearest = series.reduce((best, s) => (Math.abs(s.atMs - at) < Math.abs(best.atMs - at) ? s : best), series[0] as MemorySample);
      return `${(nearest.rssBytes / MB).toFixed(0)} / ${(nearest.heapUsedBytes / MB).toFixed(0)}`;
    });
    return `| ${((at - start) / 60_000).toFixed(1)} | ${cells.join(' | ')} |`;
  });
  return ['Over time:', '', header, `|---:|${services.map(() => '---|').join('')}`, ...rows, ''];
}
