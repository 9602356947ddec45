import { Injectable } from '@nestjs/common';

/**
 * Wakes the relay the moment this replica commits an event, so publishing does not wait for the next
 * poll; the poll remains for events committed by other replicas or left by a crash. It also remembers
 * which assets the commits were on, so the relay can fetch those by id instead of searching for them.
 */
@Injectable()
export class OutboxSignal {
  private waiters: (() => void)[] = [];
  private pending = false;
  private hinted = new Set<string>();

  /** The assets committed since the last call (their events may already be published: only a hint). */
  takeHints(): string[] {
    const hints = [...this.hinted];
    this.hinted = new Set();
    return hints;
  }

  notify(assetId?: string): void {
    if (assetId !== undefined) this.hinted.add(assetId);
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify (or at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve();
      }, ms);
      this.waiters.push(wake);
    });
  }
}
