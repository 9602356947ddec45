import { Gauge, type Registry } from 'prom-client';

/** What a queue kept in the database holds right now. */
export interface BacklogSnapshot {
  count: number;
  /** When the oldest waiting entry was created; null when none waits. */
  oldest: Date | null;
}

export interface BacklogGaugeOptions {
  /** Gauge of the entries waiting, e.g. `encoder_queue_jobs`. */
  countName: string;
  /** Gauge of the oldest entry's age in seconds (0 when empty), e.g. `encoder_queue_oldest_age_seconds`. */
  ageName: string;
  /** What is counted, for the help texts: "encoding jobs waiting or running". */
  what: string;
  read: () => Promise<BacklogSnapshot>;
  now?: () => number;
}

/**
 * Two gauges over one database read per scrape: a backlog only its store knows (other replicas add and
 * take entries), so it is read when Prometheus asks rather than tracked in memory. A failed read reports
 * NaN ("unknown") instead of failing the whole scrape or repeating a stale value.
 */
export function registerBacklogGauges(registry: Registry, options: BacklogGaugeOptions): void {
  const now = options.now ?? Date.now;
  // Both gauges are collected in the same scrape (concurrently): they share one read.
  let pending: Promise<BacklogSnapshot | null> | undefined;
  const snapshot = (): Promise<BacklogSnapshot | null> => {
    pending ??= options
      .read()
      .catch(() => null)
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: options.countName,
    help: `Number of ${options.what}`,
    registers: [registry],
    async collect() {
      const read = await snapshot();
      this.set(read ? read.count : Number.NaN);
    },
  });
  new Gauge({
    name: options.ageName,
    help: `Age in seconds of the oldest of the ${options.what} (0 when there is none)`,
    registers: [registry],
    async collect() {
      const read = await snapshot();
      this.set(read ? backlogAgeSeconds(read.oldest, now()) : Number.NaN);
    },
  });
}

/** Seconds since `oldest`, never negative (clocks of replicas differ a little); 0 for an empty backlog. */
export function backlogAgeSeconds(oldest: Date | null, nowMs: number): number {
  if (!oldest) return 0;
  return Math.max(0, (nowMs - oldest.getTime()) / 1000);
}
