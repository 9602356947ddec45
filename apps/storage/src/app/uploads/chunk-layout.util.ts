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

export interface AssembledChunk {
  n: number;
  /** A view of the assembler's one buffer: valid only until the generator is resumed. */
  data: Buffer;
}

/**
 * Cuts a stream of arbitrary pieces into GridFS chunks, holding at most one chunk in memory. It starts
 * from the saved tail (which becomes the head of chunk `firstN`) and yields every chunk as it fills;
 * the caller writes it before asking for more, which is what keeps the buffer single.
 */
export class ChunkAssembler {
  private readonly buffer: Buffer;
  private filled: number;
  private n: number;

  constructor(
    private readonly chunkSize: number,
    firstN: number,
    head: Uint8Array = new Uint8Array(0),
  ) {
    if (head.length >= chunkSize) throw new RangeError(`a tail holds less than one chunk, got ${head.length} bytes`);
    this.buffer = Buffer.allocUnsafe(chunkSize);
    this.buffer.set(head, 0);
    this.filled = head.length;
    this.n = firstN;
  }

  *accept(piece: Uint8Array): Generator<AssembledChunk, void, void> {
    let position = 0;
    while (position < piece.length) {
      const take = Math.min(this.chunkSize - this.filled, piece.length - position);
      this.buffer.set(piece.subarray(position, position + take), this.filled);
      this.filled += take;
      position += take;
      if (this.filled === this.chunkSize) {
        yield { n: this.n, data: this.buffer };
        this.n += 1;
        this.filled = 0;
      }
    }
  }

  /** The chunk number the tail belongs to. */
  get tailN(): number {
    return this.n;
  }

  /** A copy of the bytes after the last full chunk (fewer than `chunkSize`). */
  tail(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.filled));
  }
}
