import { Injectable } from '@nestjs/common';

export interface InFlight {
  requests: number;
  handlers: number;
  work: number;
}

/**
 * Where this process is in its shutdown, shared by the pieces that must react to it: readiness answers
 * 503 while draining, responses ask clients to reconnect elsewhere, background workers stop taking new
 * work, and `graceExpired` tells work still running that its time is up.
 */
@Injectable()
export class ShutdownState {
  private drainStartedAt: number | undefined;
  private readonly grace = new AbortController();
  private readonly counts: InFlight = { requests: 0, handlers: 0, work: 0 };

  /** True from the shutdown signal on: take no new work. */
  get draining(): boolean {
    return this.drainStartedAt !== undefined;
  }

  /** Aborted when the grace period is over: in-flight work stops and hands its unfinished part back. */
  get graceExpired(): AbortSignal {
    return this.grace.signal;
  }

  beginDrain(now: number = Date.now()): void {
    this.drainStartedAt ??= now;
  }

  expireGrace(): void {
    this.grace.abort();
  }

  /** Counts one HTTP request until its response is finished or its connection is gone. */
  requestStarted(): () => void {
    return this.track('requests');
  }

  /** Counts one controller call until it settles, which may be after its connection is gone (cleanup). */
  handlerStarted(): () => void {
    return this.track('handlers');
  }

  /** Counts one unit of background work (a webhook attempt, an encoding job); the drain waits for it too. */
  workStarted(): () => void {
    return this.track('work');
  }

  get inFlight(): InFlight {
    return { ...this.counts };
  }

  /** One more of a kind; the returned function ends it, once, however often it is called. */
  private track(kind: keyof InFlight): () => void {
    this.counts[kind] += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.counts[kind] -= 1;
    };
  }
}
