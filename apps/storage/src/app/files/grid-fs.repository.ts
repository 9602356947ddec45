import { Readable } from 'node:stream';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { StoredFileRole } from '@media/asset-model';
import { mongo } from 'mongoose';
import { MONGO_DB } from '../database/mongo-db.provider';
import { STORED_ID } from '../http/storage-request.schemas';
import { COLLECTIONS } from '../storage.constants';
import { type ChunkData, parseChunkDocument, UnreadableChunkError } from './chunk-document.parser';
import { chunkSpan, expectedChunkLength } from './chunk-range.util';
import { BytesInFlightBudget } from './bytes-in-flight.budget';
import { GridFsChunkWriter, type WritableChunkDocument } from './grid-fs-chunk.writer';

/** What every stored file carries in `fs.files.metadata`, snake_case like the rest of our wire. */
export interface StoredFileMetadata {
  asset_id: string;
  tenant: string;
  role: StoredFileRole;
  content_type: string;
  /** Hex SHA-256 of the whole file; null only for a file whose writer died before recording it. */
  sha256: string | null;
}

export interface StoredFile {
  id: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata: StoredFileMetadata;
}

interface FileDocument {
  _id: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata: StoredFileMetadata;
}

interface ChunkDocument {
  _id: mongo.ObjectId;
  files_id: string;
  n: number;
  data: mongo.Binary | Buffer;
}

/**
 * Chunk documents per reply when reading: 32 × 256 KiB = 8 MiB a round trip, well under the 16 MiB a
 * reply may carry. Measured on the local server, a plain cursor in batches this size reads two to three
 * times faster than the driver's GridFS stream, which asks for the chunks in small batches.
 */
const READ_BATCH = 32;

/** Deletions by asset go in batches so that an asset with thousands of HLS segments stays a few round trips. */
const DELETE_BATCH = 200;

/**
 * GridFS collections, written and read the fast way while staying ordinary GridFS: chunk documents
 * `{files_id, n, data}` of `chunkSize` bytes (the last one shorter) and one `fs.files` document with
 * `length`, `chunkSize`, `uploadDate`, `filename` and our `metadata`, which any driver's bucket reads.
 * Writes go in batches of chunk documents per insert, reads are a plain cursor in large batches whose raw
 * documents are not deserialized (the chunk bytes are handed on as views). Deletion
 * removes chunks before the file document: a crash in between leaves a document that a retry finds again,
 * never chunks that nothing points at.
 *
 * File ids are strings (GridFS allows an `_id` of any BSON type). A resumable upload becomes a file under
 * the caller's upload id; a one-request file gets a new ObjectId's hex.
 */
@Injectable()
export class GridFsRepository implements OnModuleInit {
  private readonly files: mongo.Collection<FileDocument>;
  private readonly chunks: mongo.Collection<ChunkDocument>;

  constructor(
    @Inject(MONGO_DB) db: mongo.Db,
    private readonly budget: BytesInFlightBudget,
  ) {
    this.files = db.collection<FileDocument>(COLLECTIONS.files);
    this.chunks = db.collection<ChunkDocument>(COLLECTIONS.chunks);
  }

  async onModuleInit(): Promise<void> {
    // The two GridFS indexes every driver expects (the chunk one is unique: one doc per file and n), and ours.
    await this.files.createIndex({ filename: 1, uploadDate: 1 });
    await this.chunks.createIndex({ files_id: 1, n: 1 }, { unique: true });
    await this.files.createIndex({ 'metadata.tenant': 1, 'metadata.asset_id': 1 });
  }

  /** A new file id: an ObjectId's hex, whose time prefix keeps `fs.chunks` index inserts in order. */
  newFileId(): string {
    return new mongo.ObjectId().toHexString();
  }

  /** Writes chunk documents of `filesId` from chunk `firstN` on, `head` being the start of that chunk. */
  chunkWriter(filesId: string, firstN = 0, head?: Uint8Array): GridFsChunkWriter {
    return new GridFsChunkWriter(this.chunks as unknown as mongo.Collection<WritableChunkDocument>, () => new mongo.ObjectId(), this.budget, filesId, firstN, head);
  }

  /** Makes chunk documents already in `fs.chunks` one GridFS file; false if a file with that id exists. */
  async insertFileDocument(file: Omit<StoredFile, 'uploadDate'>, uploadDate: Date): Promise<boolean> {
    try {
      await this.files.insertOne({
        _id: file.id,
        length: file.length,
        chunkSize: file.chunkSize,
        uploadDate,
        filename: file.filename,
        metadata: file.metadata,
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * A malformed id is simply not found: ids come from URLs, and a bad one must answer 404, not 500.
   * Looked up by `_id` alone and the tenant compared here: every server answers that from the `_id` index,
   * while the local stand-in scans the whole collection for `{_id, metadata.tenant}`. Another tenant's
   * file is never returned, exactly as with the compound filter.
   */
  async findFile(fileId: string, tenant: string): Promise<StoredFile | null> {
    const file = await this.findFileOfAnyTenant(fileId);
    return file && file.metadata.tenant === tenant ? file : null;
  }

  /**
   * Storage's own bookkeeping (has an upload id become a file?), whoever owns it. Never for answering a
   * caller's read: those go through `findFile` with the caller's tenant.
   */
  async findFileOfAnyTenant(fileId: string): Promise<StoredFile | null> {
    if (!STORED_ID.test(fileId)) return null;
    const doc = await this.files.findOne({ _id: fileId });
    return doc ? toStoredFile(doc) : null;
  }

  /**
   * The files of an asset, optionally narrowed by role and content hash (how the encoder finds the
   * original it was told about: the asset event names its hash, not storage's id). Oldest first.
   */
  async findFilesOfAsset(owner: { assetId: string; tenant: string }, filter: { role?: StoredFileRole; sha256?: string }, limit: number): Promise<StoredFile[]> {
    const query: mongo.Filter<FileDocument> = { 'metadata.tenant': owner.tenant, 'metadata.asset_id': owner.assetId };
    if (filter.role) query['metadata.role'] = filter.role;
    if (filter.sha256) query['metadata.sha256'] = filter.sha256;
    const docs = await this.files.find(query).sort({ uploadDate: 1, _id: 1 }).limit(limit).toArray();
    return docs.map(toStoredFile);
  }

  /**
   * The bytes of a file, or of `range` (inclusive, as in `Content-Range`), as a stream with backpressure.
   * `prefetched` are chunk documents read before the file was known (`prefetchChunks`); they are used when
   * they start where the range does, and checked like any others.
   */
  openDownload(file: Pick<StoredFile, 'id' | 'length' | 'chunkSize'>, range?: { start: number; end: number }, prefetched?: PrefetchedChunks): Readable {
    return Readable.from(this.fileBytes(file, range, prefetched), { objectMode: false });
  }

  /**
   * Chunk documents `fromN..toN` of `filesId` in one round trip, unchecked (the file's length is not known
   * yet): for a short range read that looks its file up at the same time. Never hand these out before the
   * file is found to be the caller's.
   */
  async prefetchChunks(filesId: string, fromN: number, toN: number): Promise<PrefetchedChunks> {
    if (!STORED_ID.test(filesId) || toN < fromN) return { filesId, fromN, chunks: [] };
    const count = toN - fromN + 1;
    const cursor = this.chunks.find({ files_id: filesId, n: { $gte: fromN } }, { sort: { n: 1 }, batchSize: count, limit: count, raw: true });
    const chunks: ChunkData[] = [];
    try {
      for await (const raw of cursor as unknown as AsyncIterable<Buffer>) chunks.push(readChunk(raw));
    } finally {
      await cursor.close();
    }
    return { filesId, fromN, chunks };
  }

  /**
   * The data of chunks `fromN..toN` (inclusive) of `filesId`, in order, each checked to be there and to
   * have `lengthOf(n)` bytes: a missing or damaged chunk is an error, never a silently shorter file.
   */
  async *chunkData(filesId: string, fromN: number, toN: number, lengthOf: (n: number) => number): AsyncGenerator<Buffer, void, void> {
    if (toN < fromN) return;
    const filter = fromN === 0 ? { files_id: filesId } : { files_id: filesId, n: { $gte: fromN } };
    const cursor = this.chunks.find(filter, { sort: { n: 1 }, batchSize: Math.min(READ_BATCH, toN - fromN + 1), limit: toN - fromN + 1, raw: true });
    async function* parsed(): AsyncGenerator<ChunkData, void, void> {
      for await (const raw of cursor as unknown as AsyncIterable<Buffer>) yield readChunk(raw);
    }
    try {
      yield* checkedChunks(filesId, fromN, toN, lengthOf, parsed());
    } finally {
      await cursor.close();
    }
  }

  private async *fileBytes(
    file: Pick<StoredFile, 'id' | 'length' | 'chunkSize'>,
    range?: { start: number; end: number },
    prefetched?: PrefetchedChunks,
  ): AsyncGenerator<Buffer, void, void> {
    const span = chunkSpan(file.length, file.chunkSize, range);
    if (!span) return;
    const lengthOf = (n: number) => expectedChunkLength(file.length, file.chunkSize, n);
    const usable = prefetched && prefetched.filesId === file.id && prefetched.fromN === span.firstN && prefetched.fromN + prefetched.chunks.length > span.lastN;
    const source = usable ? checkedChunks(file.id, span.firstN, span.lastN, lengthOf, prefetched.chunks) : this.chunkData(file.id, span.firstN, span.lastN, lengthOf);
    let skip = span.skip;
    let left = span.take;
    for await (const data of source) {
      const piece = data.subarray(skip, skip + left);
      skip = 0;
      left -= piece.length;
      yield piece;
    }
  }

  /** The chunk documents of a file that never got its `fs.files` document. */
  async discardChunks(filesId: string): Promise<void> {
    await this.chunks.deleteMany({ files_id: filesId });
  }

  /** True if a file was deleted; a tenant that does not own the file deletes nothing. */
  async deleteFile(fileId: string, tenant: string): Promise<boolean> {
    const file = await this.findFile(fileId, tenant);
    if (!file) return false;
    await this.chunks.deleteMany({ files_id: file.id });
    await this.files.deleteOne({ _id: file.id });
    return true;
  }

  async deleteFilesOfAsset(assetId: string, tenant: string): Promise<number> {
    let deleted = 0;
    // Re-query after each batch instead of holding a cursor open across deletes of the documents it walks.
    for (;;) {
      const batch = await this.files
        .find({ 'metadata.tenant': tenant, 'metadata.asset_id': assetId }, { projection: { _id: 1 }, limit: DELETE_BATCH })
        .toArray();
      if (batch.length === 0) return deleted;
      const ids = batch.map((doc) => doc._id);
      await this.chunks.deleteMany({ files_id: { $in: ids } });
      await this.files.deleteMany({ _id: { $in: ids } });
      deleted += ids.length;
    }
  }
}

/** Chunk documents read ahead of their file lookup, from `fromN` on, as stored. */
export interface PrefetchedChunks {
  filesId: string;
  fromN: number;
  chunks: ChunkData[];
}

/** Hands out the data of chunks `fromN..toN` from `chunks`, checking each one's `n` and length on the way. */
async function* checkedChunks(
  filesId: string,
  fromN: number,
  toN: number,
  lengthOf: (n: number) => number,
  chunks: AsyncIterable<ChunkData> | Iterable<ChunkData>,
): AsyncGenerator<Buffer, void, void> {
  let expected = fromN;
  for await (const chunk of chunks) {
    if (chunk.n !== expected) throw new Error(`file ${filesId}: chunk ${expected} is missing (found ${chunk.n})`);
    if (chunk.data.length !== lengthOf(expected)) throw new Error(`file ${filesId}: chunk ${expected} has ${chunk.data.length} bytes, not ${lengthOf(expected)}`);
    yield chunk.data;
    expected += 1;
    if (expected > toN) return;
  }
  throw new Error(`file ${filesId}: chunk ${expected} is missing`);
}

/** The raw document's `n` and `data`; a document in a shape the fast path does not know goes through the deserializer. */
function readChunk(raw: Buffer): ChunkData {
  try {
    return parseChunkDocument(raw);
  } catch (error) {
    if (!(error instanceof UnreadableChunkError)) throw error;
    const doc = mongo.BSON.deserialize(raw, { promoteBuffers: true }) as { n?: unknown; data?: unknown };
    if (typeof doc.n !== 'number' || !Buffer.isBuffer(doc.data)) throw error;
    return { n: doc.n, data: doc.data };
  }
}

function toStoredFile(doc: FileDocument): StoredFile {
  const metadata = doc.metadata;
  return {
    id: doc._id,
    length: doc.length,
    chunkSize: doc.chunkSize,
    uploadDate: doc.uploadDate,
    filename: doc.filename,
    metadata: {
      asset_id: metadata.asset_id,
      tenant: metadata.tenant,
      role: metadata.role,
      content_type: metadata.content_type,
      sha256: metadata.sha256 ?? null,
    },
  };
}

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof mongo.MongoServerError && error.code === 11000;
}
