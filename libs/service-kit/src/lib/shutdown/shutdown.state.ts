import { Injectable } from '@nestjs/common';

/**
 * Where this process is in its shutdown, shared by the pieces that must react to it: readiness answers
 * 503 while draining, responses ask clients to reconnect elsewhere, background workers stop taking new
 * work, and `graceExpired` tells work still running that its time is up.
 */
@Injectable()
export class ShutdownState {
  private drainStartedAt: number | undefined;
  private readonly grace = new AbortController();
  private openRequests = 0;
  private runningHandlers = 0;

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
    this.openRequests += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.openRequests -= 1;
    };
  }

  /** Counts one controller call until it settles, which may be after its connection is gone (cleanup). */
  handlerStarted(): () => void {
    this.runningHandlers += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.runningHandlers -= 1;
    };
  }

  get inFlight(): { requests: number; handlers: number } {
    return { requests: this.openRequests, handlers: this.runningHandlers };
  }
}
