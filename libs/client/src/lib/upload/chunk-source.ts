import { sha256, sha256OfBlob } from './sha256';

/** What `upload()` accepts: a Blob or File, a web ReadableStream, or any async iterable of bytes (a Node Readable). */
export type UploadSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The bytes of one upload as the uploader reads them: by range, each range possibly more than once (retries). */
export interface ChunkSource {
  readonly size: number | undefined;
  /** Bytes [start, end) as a fresh stream each time. */
  range(start: number, end: number): Promise<ReadableStream<Uint8Array>>;
  /** The whole content's hex SHA-256 (a random-access source starts hashing at once, in parallel). */
  sha256(): Promise<string>;
  /** Whether `range` may go back to bytes it has already given (a stream cannot). */
  readonly rewindable: boolean;
}

/** Slices a Blob lazily: a file opened as a Blob is read from disk range by range, never held in memory. */
export class BlobChunkSource implements ChunkSource {
  readonly rewindable = true;
  private digest?: Promise<string>;

  constructor(
    private readonly blob: Blob,
    private readonly signal?: AbortSignal,
  ) {}

  get size(): number {
    return this.blob.size;
  }

  async range(start: number, end: number): Promise<ReadableStream<Uint8Array>> {
    return inPieces(this.blob.slice(start, end).stream());
  }

  sha256(): Promise<string> {
    this.digest ??= sha256OfBlob(this.blob, this.signal);
    return this.digest;
  }
}

const PIECE = 256 * 1024;

/** At most PIECE bytes at a time (an in-memory Blob streams as one piece), so progress moves inside a chunk. */
function inPieces(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        for (let offset = 0; offset < piece.byteLength; offset += PIECE) controller.enqueue(piece.subarray(offset, offset + PIECE));
      },
    }),
  );
}

/** A byte array as a stream in pieces, so progress moves while fetch sends it. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + PIECE));
      offset += PIECE;
    },
  });
}

async function* bytesOf(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // Browsers' ReadableStream is not always async-iterable: read it through its reader.
  if (!('getReader' in source)) {
    for await (const piece of source) yield piece;
    return;
  }
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * A stream read once, front to back, hashed as it is read. Only the current chunk is kept (so a failed
 * transfer can be sent again): memory is one chunk, whatever the size of the whole. Bytes the server already
 * has (a resumed upload) are read, hashed and skipped.
 */
export class StreamChunkSource implements ChunkSource {
  readonly rewindable = false;
  private readonly pieces: AsyncGenerator<Uint8Array>;
  private readonly hasher = sha256();
  private pending: Uint8Array = new Uint8Array(0);
  private chunk: { start: number; bytes: Uint8Array } = { start: 0, bytes: new Uint8Array(0) };

  constructor(
    source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
    readonly size: number | undefined,
  ) {
    this.pieces = bytesOf(source);
  }

  /** The next `count` bytes of the stream (fewer at its end). */
  private async take(count: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let have = 0;
    const hasher = await this.hasher;
    while (have < count) {
      if (this.pending.byteLength === 0) {
        const next = await this.pieces.next();
        if (next.done) break;
        this.pending = next.value;
        hasher.update(next.value);
      }
      const part = this.pending.subarray(0, count - have);
      this.pending = this.pending.subarray(part.byteLength);
      parts.push(part);
      have += part.byteLength;
    }
    const out = new Uint8Array(have);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  async range(start: number, end: number): Promise<ReadableStream<Uint8Array>> {
    const chunkEnd = this.chunk.start + this.chunk.bytes.byteLength;
    if (start >= this.chunk.start && end <= chunkEnd) return streamOf(this.chunk.bytes.subarray(start - this.chunk.start, end - this.chunk.start));
    if (start < chunkEnd) throw new RangeError(`a stream cannot go back to byte ${start} (it is at ${chunkEnd})`);
    if (start > chunkEnd) await this.take(start - chunkEnd);
    const bytes = await this.take(end - start);
    if (bytes.byteLength < end - start) throw new RangeError(`the stream ended at byte ${start + bytes.byteLength}, before the declared size`);
    this.chunk = { start, bytes };
    return streamOf(bytes);
  }

  /** Streams the whole (rest of the) source once, for a one-request upload; `sha256()` is ready when it ends. */
  passThrough(): ReadableStream<Uint8Array> {
    const pieces = this.pieces;
    const hasherReady = this.hasher;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await pieces.next();
        if (next.done) return controller.close();
        (await hasherReady).update(next.value);
        controller.enqueue(next.value);
      },
      async cancel() {
        await pieces.return(undefined);
      },
    });
  }

  async sha256(): Promise<string> {
    // Whatever the uploader did not need (nothing, when the size was right) still counts for the hash.
    this.pending = new Uint8Array(0); // hashed when it was read
    while (!(await this.drainOne())) {
      // each piece is hashed as it is read
    }
    return (await this.hasher).hex();
  }

  /** Reads and hashes one more piece; true at the end of the stream. */
  private async drainOne(): Promise<boolean> {
    const next = await this.pieces.next();
    if (next.done) return true;
    (await this.hasher).update(next.value);
    return false;
  }
}

export function chunkSourceOf(source: UploadSource, size: number | undefined, signal?: AbortSignal): BlobChunkSource | StreamChunkSource {
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new BlobChunkSource(source, signal);
  return new StreamChunkSource(source as ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, size);
}
