import type { mongo } from 'mongoose';
import { type ChunkBatch, ChunkBatcher } from '../uploads/chunk-layout.util';
import { GRIDFS_CHUNK_SIZE } from '../storage.constants';
import type { BytesInFlightBudget } from './bytes-in-flight.budget';

/**
 * Chunk documents per insert: 4 × 256 KiB = 1 MiB a round trip, and two such buffers per writer. Measured
 * against 8 (the upload benchmark, 8 concurrent 50 MiB chunks): the same throughput, and storage's RSS growth
 * 55–63 MiB instead of 70–100, because each writer's buffers and each insert's serialised copy are halved.
 */
export const CHUNKS_PER_INSERT = 4;

export interface WritableChunkDocument {
  _id: mongo.ObjectId;
  files_id: string;
  n: number;
  data: Buffer;
}

type ObjectIdFactory = () => mongo.ObjectId;

/**
 * Writes a byte stream as `fs.chunks` documents of one file at their final `n`, several per `insertMany`,
 * with one insert in flight while the next batch fills (so reading the body and writing the database
 * overlap, and memory stays at two batches). Each insert also holds its bytes in the process-wide
 * budget until it lands, so concurrent uploads together keep a bounded amount in flight to the database.
 * What it writes is exactly what a GridFS driver writes.
 */
export class GridFsChunkWriter {
  private readonly batcher: ChunkBatcher;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chunks: mongo.Collection<WritableChunkDocument>,
    private readonly newId: ObjectIdFactory,
    private readonly budget: BytesInFlightBudget,
    readonly filesId: string,
    firstN = 0,
    head?: Uint8Array,
  ) {
    this.batcher = new ChunkBatcher(GRIDFS_CHUNK_SIZE, CHUNKS_PER_INSERT, firstN, head);
  }

  /** Resolves once the piece is taken; a failed insert surfaces here or at `end`. */
  async write(piece: Buffer): Promise<void> {
    for (const batch of this.batcher.accept(piece)) await this.dispatch(this.documentsOf(batch));
  }

  /**
   * Stores the whole chunks still held and, for a file that ends here, the short last chunk; resolves when
   * every insert has landed. Returns the bytes after the last whole chunk (empty when `asLastChunk`).
   */
  async end({ tailAsLastChunk }: { tailAsLastChunk: boolean }): Promise<Buffer> {
    const documents = this.documentsOf(this.batcher.drain());
    const tail = this.batcher.tailView();
    if (tailAsLastChunk && tail.length > 0) documents.push({ _id: this.newId(), files_id: this.filesId, n: this.batcher.tailN, data: tail });
    await this.dispatch(documents);
    await this.inFlight;
    return tailAsLastChunk ? Buffer.alloc(0) : this.batcher.tail();
  }

  /** Waits for the insert in flight, failed or not: call before deleting what this writer wrote. */
  async settle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }

  private async dispatch(documents: WritableChunkDocument[]): Promise<void> {
    // The previous batch must have landed before its buffer is filled again (and its failure reported).
    await this.inFlight;
    if (documents.length === 0) return;
    const release = await this.budget.acquire(documents.reduce((sum, doc) => sum + doc.data.length, 0));
    const insert = this.chunks.insertMany(documents, { ordered: true });
    insert.then(release, release);
    // Awaited by the next dispatch or by `end`; until then a rejection is not unhandled.
    insert.catch(() => undefined);
    this.inFlight = insert;
  }

  private documentsOf(batch: ChunkBatch): WritableChunkDocument[] {
    return batch.chunks.map((data, i) => ({ _id: this.newId(), files_id: this.filesId, n: batch.firstN + i, data }));
  }
}
