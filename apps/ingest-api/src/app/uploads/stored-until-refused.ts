/**
 * Something stored while a request is still being read (a file part streamed to storage before the form's
 * later fields are known), to be given back if the request is refused. The file part's work and the
 * form's refusal race; whichever comes second does the discarding, and the refusal waits for a store still
 * in flight to land and be discarded, so nothing of a refused request outlives its answer.
 */
export class StoredUntilRefused<T> {
  private stored: T | undefined;
  private refused = false;
  private landing: Promise<void> = Promise.resolve();

  constructor(private readonly discard: (value: T) => Promise<void>) {}

  get value(): T | undefined {
    return this.stored;
  }

  /** Keeps what `storing` stores; if the request was refused meanwhile, gives it back as soon as it lands. */
  hold(storing: Promise<T>): Promise<void> {
    const landed = storing.then(async (value) => {
      if (this.refused) await this.discard(value);
      else this.stored = value;
    });
    this.landing = landed.catch(() => undefined);
    return landed;
  }

  /** The request was refused: what was stored goes, and a store still in flight goes when it lands. */
  async refuse(): Promise<void> {
    this.refused = true;
    const stored = this.stored;
    this.stored = undefined;
    if (stored !== undefined) await this.discard(stored);
    await this.landing;
  }
}
