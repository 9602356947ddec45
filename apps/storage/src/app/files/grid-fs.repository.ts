import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { StoredFileRole } from '@media/asset-model';
import { mongo } from 'mongoose';
import { MONGO_DB } from '../database/mongo-db.provider';
import { STORED_ID } from '../http/storage-request.schemas';
import { COLLECTIONS, GRIDFS_BUCKET, GRIDFS_CHUNK_SIZE } from '../storage.constants';

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
  data: mongo.Binary;
}

/** Deletions by asset go in batches so that an asset with thousands of HLS segments stays a few round trips. */
const DELETE_BATCH = 200;

/**
 * GridFS through the driver's own bucket: one-request files are written with its upload stream, every
 * file is read with `openDownloadStream`, so what we store is exactly what any driver can read. Deletion
 * removes chunks before the file document: a crash in between leaves a document that a retry finds again,
 * never chunks that nothing points at.
 *
 * File ids are strings. The GridFS spec allows an `_id` of any BSON type; the Node driver's typings say
 * ObjectId, hence the casts at the two bucket calls. A resumable upload becomes a file under the caller's
 * upload id; a one-request file gets a new ObjectId's hex, whose time prefix keeps `fs.chunks` index
 * inserts in order.
 */
@Injectable()
export class GridFsRepository implements OnModuleInit {
  private readonly logger = new Logger(GridFsRepository.name);
  private readonly bucket: mongo.GridFSBucket;
  private readonly files: mongo.Collection<FileDocument>;
  private readonly chunks: mongo.Collection<ChunkDocument>;

  constructor(@Inject(MONGO_DB) db: mongo.Db) {
    this.bucket = new mongo.GridFSBucket(db, { bucketName: GRIDFS_BUCKET, chunkSizeBytes: GRIDFS_CHUNK_SIZE });
    this.files = db.collection<FileDocument>(COLLECTIONS.files);
    this.chunks = db.collection<ChunkDocument>(COLLECTIONS.chunks);
  }

  async onModuleInit(): Promise<void> {
    // The two GridFS indexes every driver expects (the chunk one is unique: one doc per file and n), and ours.
    await this.files.createIndex({ filename: 1, uploadDate: 1 });
    await this.chunks.createIndex({ files_id: 1, n: 1 }, { unique: true });
    await this.files.createIndex({ 'metadata.tenant': 1, 'metadata.asset_id': 1 });
  }

  openUpload(fileName: string, metadata: Omit<StoredFileMetadata, 'sha256'>): GridFsUpload {
    const id = new mongo.ObjectId().toHexString();
    const stream = this.bucket.openUploadStreamWithId(asBucketId(id), fileName, {
      chunkSizeBytes: GRIDFS_CHUNK_SIZE,
      metadata: { ...metadata, sha256: null },
    });
    return new GridFsUpload(id, stream, this.files, this.chunks, this.logger);
  }

  /** The hash is known only after the last byte, when the driver has already written the file document. */
  async recordSha256(fileId: string, sha256: string): Promise<void> {
    await this.files.updateOne({ _id: fileId }, { $set: { 'metadata.sha256': sha256 } });
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

  /** A malformed id is simply not found: ids come from URLs, and a bad one must answer 404, not 500. */
  async findFile(fileId: string, tenant: string): Promise<StoredFile | null> {
    if (!STORED_ID.test(fileId)) return null;
    const doc = await this.files.findOne({ _id: fileId, 'metadata.tenant': tenant });
    return doc ? toStoredFile(doc) : null;
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

  /** `range` is inclusive, as in `Content-Range`; the driver's `end` is exclusive. */
  openDownload(fileId: string, range?: { start: number; end: number }): Readable {
    const options = range ? { start: range.start, end: range.end + 1 } : {};
    return this.bucket.openDownloadStream(asBucketId(fileId), options);
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

/**
 * One file being written through the driver's upload stream. Each write resolves only once the driver has
 * stored what it filled, so at most one chunk is in memory and no insert is in flight when we abort.
 */
export class GridFsUpload {
  constructor(
    readonly id: string,
    private readonly stream: mongo.GridFSBucketWriteStream,
    private readonly files: mongo.Collection<FileDocument>,
    private readonly chunks: mongo.Collection<ChunkDocument>,
    private readonly logger: Logger,
  ) {
    // Failures reach us through write/end callbacks; an unhandled 'error' event would crash the process.
    stream.on('error', () => undefined);
  }

  write(piece: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.write(piece, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Writes the last partial chunk and the file document. */
  async finish(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
  }

  /** Leaves nothing behind: no chunk, no file document. Never throws; a failure is logged for the operator. */
  async abort(): Promise<void> {
    try {
      await this.stream.abort();
    } catch {
      // The stream had already ended or failed; delete by id instead.
      try {
        await this.chunks.deleteMany({ files_id: this.id });
        await this.files.deleteOne({ _id: this.id });
      } catch (error) {
        this.logger.error({ err: error, file_id: this.id }, 'could not remove the chunks of an aborted upload');
      }
    } finally {
      this.stream.destroy();
    }
  }
}

/** Our string ids where the driver's typings expect an ObjectId (GridFS itself accepts any `_id`). */
function asBucketId(id: string): mongo.ObjectId {
  return id as unknown as mongo.ObjectId;
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
