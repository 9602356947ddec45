/**
 * Something stored while a request is still being read (a file part streamed to storage before the form's
 * later fields are known), to be given back if the request is refused. The file part's work and the
 * form's failure race: whichever comes second does the discarding, so nothing stored for a refused request
 * stays, whether the refusal came before, during or after the store.
 */
export class StoredUntilRefused<T> {
  private stored: T | undefined;
  private refused = false;

  constructor(private readonly discard: (value: T) => Promise<void>) {}

  get value(): T | undefined {
    return this.stored;
  }

  /** Keeps what `storing` stored; if the request was refused meanwhile, gives it back at once. */
  async hold(storing: Promise<T>): Promise<void> {
    const value = await storing;
    if (this.refused) {
      await this.discard(value);
      return;
    }
    this.stored = value;
  }

  /** The request was refused: what was stored goes, and whatever is still being stored goes when it lands. */
  async refuse(): Promise<void> {
    this.refused = true;
    const stored = this.stored;
    this.stored = undefined;
    if (stored !== undefined) await this.discard(stored);
  }
}
