import type { Logger } from '@nestjs/common';
import type { ShutdownState } from '../shutdown/shutdown.state';
import { withStoredTrace } from '../tracing/tracing';

/** The reason a unit's signal is aborted with when the shutdown grace is over. */
export class ShutdownAbort extends Error {
  constructor() {
    super('the service is shutting down');
    this.name = 'ShutdownAbort';
  }
}

export interface ClaimLoopOptions<C> {
  /** Units run at once by this process. */
  concurrency: number;
  /** How often to look for work when nothing woke the loop. */
  pollIntervalMs: number;
  /** Claims the next due unit (a lease in the database), or null when none is due. */
  claim(): Promise<C | null>;
  /** Runs one claimed unit. Its signal is aborted (reason `ShutdownAbort`) when the shutdown grace is over. */
  run(claim: C, signal: AbortSignal): Promise<void>;
  /** The trace the unit was stored with; it runs in a span continuing that trace. */
  trace: { spanName: string; traceparentOf(claim: C): string | null | undefined };
  /** Called for the units still running when the grace is over, right after their signals are aborted. */
  handBack?(claims: C[]): Promise<void>;
  /** The name of the unit in logs ("delivery", "job"). */
  unit: string;
  logger: Pick<Logger, 'warn' | 'error'>;
  shutdown: ShutdownState;
}

/**
 * The worker loop behind fanout's deliveries and the encoder's jobs: claim due units (leases in MongoDB)
 * up to a concurrency, run each in its stored trace, look again when one ends, when woken, or at the poll.
 * From the shutdown signal on it claims nothing; running units count as in-flight work, so the drain gives
 * them the grace period; after it they are aborted and handed back.
 */
export class ClaimLoop<C> {
  private readonly inFlight = new Map<Promise<void>, { claim: C; abort: AbortController }>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly options: ClaimLoopOptions<C>) {}

  start(): void {
    this.loop = this.claimWhileRunning();
  }

  /** New work exists: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Stops claiming, lets running units finish within the shutdown grace, then aborts and hands back the rest. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    const expired = this.options.shutdown.graceExpired;
    const graceOver = new Promise<void>((resolve) => {
      if (expired.aborted) resolve();
      else expired.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([Promise.all([...this.inFlight.keys()]), graceOver]);
    const unfinished = [...this.inFlight.values()];
    if (unfinished.length === 0) return;
    for (const { abort } of unfinished) abort.abort(new ShutdownAbort());
    await this.options.handBack?.(unfinished.map(({ claim }) => claim));
    this.options.logger.warn({ count: unfinished.length }, `handed back ${this.options.unit}s still running at shutdown`);
    await Promise.all([...this.inFlight.keys()]);
  }

  private async claimWhileRunning(): Promise<void> {
    const { shutdown } = this.options;
    while (!this.stopping) {
      this.woken = false;
      while (!this.stopping && !shutdown.draining && this.inFlight.size < this.options.concurrency) {
        let claim: C | null;
        try {
          claim = await this.options.claim();
        } catch (error) {
          this.options.logger.warn({ err: error }, `could not claim a ${this.options.unit}`);
          break;
        }
        if (!claim) break;
        this.launch(claim);
      }
      if (this.stopping || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private launch(claim: C): void {
    const { trace, logger, unit } = this.options;
    const abort = new AbortController();
    const counted = this.options.shutdown.workStarted();
    const running: Promise<void> = withStoredTrace(trace.traceparentOf(claim), trace.spanName, () => this.options.run(claim, abort.signal))
      .catch((error: unknown) => logger.error({ err: error }, `a ${unit} ended unexpectedly`))
      .finally(() => {
        counted();
        this.inFlight.delete(running);
        this.wake();
      });
    this.inFlight.set(running, { claim, abort });
  }
}
