/** Gives back what `acquire` granted; calling it again does nothing. */
export type Release = () => void;

/**
 * A process-wide budget of chunk bytes on their way to the database. Every chunk writer of every upload
 * takes a batch's bytes from it before the insert and gives them back once the insert has landed (or
 * failed), so the batches in flight and the driver's serialized copy of each stay bounded however many
 * uploads run at once; a writer that has to wait stops reading its body, which pushes back on its client.
 *
 * Grants are first come, first served: a large request waiting at the head is not overtaken by small
 * ones, so no upload starves. A request above the whole budget is granted alone, when nothing else is in
 * flight, rather than never.
 */
export class BytesInFlightBudget {
  private inFlight = 0;
  private readonly waiting: { bytes: number; grant: (release: Release) => void }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`a budget holds at least one byte, got ${capacity}`);
  }

  /** Bytes granted and not yet released. */
  get used(): number {
    return this.inFlight;
  }

  acquire(bytes: number): Promise<Release> {
    if (this.waiting.length === 0 && this.fits(bytes)) return Promise.resolve(this.grant(bytes));
    return new Promise((resolve) => this.waiting.push({ bytes, grant: resolve }));
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.capacity;
  }

  private grant(bytes: number): Release {
    this.inFlight += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
      this.wake();
    };
  }

  private wake(): void {
    for (let next = this.waiting[0]; next && this.fits(next.bytes); next = this.waiting[0]) {
      this.waiting.shift();
      next.grant(this.grant(next.bytes));
    }
  }
}
