/**
 * Server-side time of requests, from the `http_request_duration_seconds` histogram every service exposes
 * on GET /metrics (Prometheus text format, labelled by method and route template). The difference of its
 * sum across one request is that request's duration as the service saw it.
 */

/** ingest-api's route template for transfers and finishes (apps/ingest-api/src/app/uploads/multipart.controller.ts). */
export const INGEST_MULTIPART_ROUTE = /^\/assets\/:[^/]+\/multipart$/;
/** Storage's route template for completing a resumable upload (apps/storage/src/app/uploads/uploads.controller.ts). */
export const STORAGE_COMPLETE_ROUTE = /^\/uploads\/:[^/]+\/complete$/;

export interface RouteDuration {
  seconds: number;
  count: number;
}

const SAMPLE = /^http_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Milliseconds of exactly one request between two readings; anything else is an error. */
export function oneRequestMs(before: RouteDuration, after: RouteDuration, what: string): number {
  if (after.count - before.count !== 1) throw new Error(`${what}: expected one request between two metric readings, saw ${after.count - before.count}`);
  return (after.seconds - before.seconds) * 1000;
}

/** The lines of a service's GET /metrics (Prometheus text format). */
async function metricLines(serviceUrl: string): Promise<string[]> {
  const response = await fetch(`${serviceUrl}/metrics`);
  if (!response.ok) throw new Error(`${serviceUrl}/metrics answered ${response.status}`);
  return (await response.text()).split('\n');
}

export async function routeDuration(serviceUrl: string, method: string, route: RegExp): Promise<RouteDuration> {
  const total: RouteDuration = { seconds: 0, count: 0 };
  for (const line of await metricLines(serviceUrl)) {
    const sample = SAMPLE.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(LABEL)].map((label) => [label[1], label[2]]));
    if (labels['method'] !== method || !route.test(labels['route'] ?? '')) continue;
    if (sample[1] === 'sum') total.seconds += Number(sample[3]);
    else total.count += Number(sample[3]);
  }
  return total;
}

const GC_SUM = /^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/;

/** Seconds the service's process has spent in garbage collection pauses so far (prom-client's `nodejs_gc_duration_seconds`, all kinds). */
export async function gcSeconds(serviceUrl: string): Promise<number> {
  let total = 0;
  for (const line of await metricLines(serviceUrl)) {
    const sample = GC_SUM.exec(line);
    if (sample) total += Number(sample[1]);
  }
  return total;
}
