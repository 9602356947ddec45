/**
 * Where the bytes of a resumable upload live, as arithmetic on offsets. A finished upload is an ordinary
 * GridFS file, so byte `i` must end up in chunk doc `n = floor(i / chunkSize)`. Each transfer writes the
 * chunk docs it fills completely; the bytes after its last chunk boundary (the tail) wait in a side
 * document until the next transfer, or completion, fills that chunk.
 */
export interface TransferPlan {
  /** The chunk doc the transfer starts filling: the first `n` it may write. */
  firstN: number;
  /** Bytes of the saved tail that are prepended to the transfer's first chunk (`offset mod chunkSize`). */
  carriedBytes: number;
  /** The chunk docs this transfer writes, `n` in `[fromN, toN)` (empty when `fromN === toN`). */
  writes: { fromN: number; toN: number };
  /** What is left over when the transfer ends: saved under `offset` for the next transfer. */
  tail: { offset: number; length: number; n: number };
}

export function planTransfer(offset: number, length: number, chunkSize: number): TransferPlan {
  assertLayout(offset, length, chunkSize);
  const end = offset + length;
  const firstN = Math.floor(offset / chunkSize);
  const endN = Math.floor(end / chunkSize);
  return {
    firstN,
    carriedBytes: offset % chunkSize,
    writes: { fromN: firstN, toN: endN },
    tail: { offset: end, length: end % chunkSize, n: endN },
  };
}

export interface CompletionPlan {
  /** How many chunk docs the finished file has (`ceil(length / chunkSize)`). */
  chunkCount: number;
  /** The last chunk doc written by a transfer, whose presence proves the transfers reached the end; null if none. */
  lastTransferredN: number | null;
  /** The final, short chunk built from the saved tail at `length`; null when the file ends on a boundary. */
  tailChunk: { n: number; length: number } | null;
}

/** What completing an upload of `length` bytes touches: one tail chunk at most, never the chunks before it. */
export function planCompletion(length: number, chunkSize: number): CompletionPlan {
  assertLayout(length, 0, chunkSize);
  const fullChunks = Math.floor(length / chunkSize);
  const tailLength = length % chunkSize;
  return {
    chunkCount: fullChunks + (tailLength > 0 ? 1 : 0),
    lastTransferredN: fullChunks > 0 ? fullChunks - 1 : null,
    tailChunk: tailLength > 0 ? { n: fullChunks, length: tailLength } : null,
  };
}

function assertLayout(offset: number, length: number, chunkSize: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`length must be a non-negative integer, got ${length}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
}

export interface ChunkBatch {
  /** The `n` of the batch's first chunk; the others follow in order. */
  firstN: number;
  /** Views of one of the batcher's two buffers: valid until the batch after the next one is handed out. */
  chunks: Buffer[];
}

/**
 * Cuts a stream of arbitrary pieces into batches of whole GridFS chunks, so that a writer stores several
 * chunk documents per round trip. Two buffers alternate: while the caller stores one batch, the next one
 * fills; the caller must have stored a batch before it asks for the one after the next (a writer that
 * awaits its previous insert before starting the next one does exactly that). Memory is bounded by
 * `2 × chunksPerBatch × chunkSize` whatever the body's size.
 */
export class ChunkBatcher {
  private readonly buffers: [Buffer, Buffer];
  private current = 0;
  private filled: number;
  private n: number;

  constructor(
    private readonly chunkSize: number,
    private readonly chunksPerBatch: number,
    firstN: number,
    head: Uint8Array = new Uint8Array(0),
  ) {
    if (head.length >= chunkSize) throw new RangeError(`a tail holds less than one chunk, got ${head.length} bytes`);
    if (!Number.isSafeInteger(chunksPerBatch) || chunksPerBatch < 1) throw new RangeError(`a batch holds at least one chunk, got ${chunksPerBatch}`);
    this.buffers = [Buffer.allocUnsafe(chunkSize * chunksPerBatch), Buffer.allocUnsafe(chunkSize * chunksPerBatch)];
    this.buffers[0].set(head, 0);
    this.filled = head.length;
    this.n = firstN;
  }

  *accept(piece: Uint8Array): Generator<ChunkBatch, void, void> {
    const capacity = this.chunkSize * this.chunksPerBatch;
    let position = 0;
    while (position < piece.length) {
      const take = Math.min(capacity - this.filled, piece.length - position);
      this.buffers[this.current].set(piece.subarray(position, position + take), this.filled);
      this.filled += take;
      position += take;
      if (this.filled === capacity) yield this.handOut(this.chunksPerBatch);
    }
  }

  /** The whole chunks collected since the last batch (possibly none); the tail stays. Call once, at the end. */
  drain(): ChunkBatch {
    const whole = Math.floor(this.filled / this.chunkSize);
    const batch = this.batchOf(whole);
    this.n += whole;
    return batch;
  }

  /** The chunk number the tail belongs to (after `drain`). */
  get tailN(): number {
    return this.n;
  }

  /** A view of the bytes after the last whole chunk (after `drain`): the short last chunk of a file. */
  tailView(): Buffer {
    const start = Math.floor(this.filled / this.chunkSize) * this.chunkSize;
    return this.buffers[this.current].subarray(start, this.filled);
  }

  /** A copy of the tail, for keeping after the buffers are gone. */
  tail(): Buffer {
    return Buffer.from(this.tailView());
  }

  private handOut(count: number): ChunkBatch {
    const batch = this.batchOf(count);
    this.n += count;
    this.current = 1 - this.current;
    this.filled = 0;
    return batch;
  }

  private batchOf(count: number): ChunkBatch {
    const buffer = this.buffers[this.current];
    const chunks = Array.from({ length: count }, (_, i) => buffer.subarray(i * this.chunkSize, (i + 1) * this.chunkSize));
    return { firstN: this.n, chunks };
  }
}
