import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { mongo } from 'mongoose';
import { MONGO_DB } from '../database/mongo-db.provider';
import { isDuplicateKey } from '../files/grid-fs.repository';
import { COLLECTIONS } from '../storage.constants';

/** Who an upload belongs to; every lookup by asset needs both, so one tenant can never reach another's bytes. */
export interface UploadOwner {
  assetId: string;
  tenant: string;
}

/** What a transfer that ended at `offset` left for the next one. */
export interface UploadPart {
  offset: number;
  /** The bytes after the last full chunk, fewer than one chunk. */
  tail: Buffer;
}

interface UploadDocument {
  _id: string;
  asset_id: string;
  tenant: string;
  created_at: Date;
}

interface PartDocument {
  /** `<upload_id>:<offset>`: at most one part per offset, whatever retries happened. */
  _id: string;
  upload_id: string;
  offset: number;
  tail: mongo.Binary;
  created_at: Date;
}

interface ChunkDocument {
  _id: mongo.ObjectId;
  files_id: string;
  n: number;
  data: Buffer | mongo.Binary;
}

/**
 * The bookkeeping of resumable uploads before they are a file. Chunk documents are written (by
 * GridFsRepository's chunk writer) straight into
 * `fs.chunks` under `files_id = upload_id` at their final `n`, so completing an upload only adds the
 * last chunk and the `fs.files` document. Nothing here uses transactions: every step is a single-document
 * write or an idempotent range delete, and the committed state is always "chunks below the committed
 * offset's chunk, plus the part at the committed offset".
 */
@Injectable()
export class ChunkedUploadRepository implements OnModuleInit {
  private readonly uploads: mongo.Collection<UploadDocument>;
  private readonly parts: mongo.Collection<PartDocument>;
  private readonly chunks: mongo.Collection<ChunkDocument>;

  constructor(@Inject(MONGO_DB) db: mongo.Db) {
    this.uploads = db.collection<UploadDocument>(COLLECTIONS.uploads);
    this.parts = db.collection<PartDocument>(COLLECTIONS.uploadParts);
    this.chunks = db.collection<ChunkDocument>(COLLECTIONS.chunks);
  }

  async onModuleInit(): Promise<void> {
    await this.uploads.createIndex({ tenant: 1, asset_id: 1 });
    await this.parts.createIndex({ upload_id: 1, offset: 1 });
  }

  /** Records the upload on its first transfer and answers who it belongs to (the first registration wins). */
  async register(uploadId: string, owner: UploadOwner, now: Date): Promise<UploadOwner> {
    const _id = uploadId;
    const update = { $setOnInsert: { asset_id: owner.assetId, tenant: owner.tenant, created_at: now } };
    let doc: UploadDocument | null;
    try {
      doc = await this.uploads.findOneAndUpdate({ _id }, update, { upsert: true, returnDocument: 'after' });
    } catch (error) {
      // Two first transfers racing on the upsert: the loser reads what the winner inserted.
      if (!isDuplicateKey(error)) throw error;
      doc = await this.uploads.findOne({ _id });
    }
    if (!doc) throw new Error(`upload ${uploadId} vanished while being registered`);
    return { assetId: doc.asset_id, tenant: doc.tenant };
  }

  async findOwner(uploadId: string): Promise<UploadOwner | null> {
    const doc = await this.uploads.findOne({ _id: uploadId });
    return doc ? { assetId: doc.asset_id, tenant: doc.tenant } : null;
  }

  async findPart(uploadId: string, offset: number): Promise<UploadPart | null> {
    const doc = await this.parts.findOne({ _id: partId(uploadId, offset) });
    if (!doc) return null;
    return { offset: doc.offset, tail: bufferOf(doc.tail) };
  }

  /**
   * Removes what failed or uncommitted transfers left: chunk docs from `fromN` on (the committed ones are
   * all below it) and every part except the committed one at `keepOffset`.
   */
  async discardLeftovers(uploadId: string, fromN: number, keepOffset: number): Promise<void> {
    await this.chunks.deleteMany({ files_id: uploadId, n: { $gte: fromN } });
    await this.parts.deleteMany({ upload_id: uploadId, offset: { $ne: keepOffset } });
  }

  /** Idempotent write of one chunk, for the final tail chunk a repeated completion may write again. */
  async putChunk(uploadId: string, n: number, data: Buffer): Promise<void> {
    const filter = { files_id: uploadId, n };
    const update = { $set: { data }, $setOnInsert: { _id: new mongo.ObjectId() } };
    try {
      await this.chunks.updateOne(filter, update, { upsert: true });
    } catch (error) {
      // A concurrent upsert inserted the same (files_id, n) first; now it exists and a plain update lands.
      if (!isDuplicateKey(error)) throw error;
      await this.chunks.updateOne(filter, { $set: { data } });
    }
  }

  async hasChunk(uploadId: string, n: number): Promise<boolean> {
    // A point lookup on the unique {files_id, n} index; a count costs more on some servers as chunks pile up.
    return (await this.chunks.findOne({ files_id: uploadId, n }, { projection: { _id: 1 } })) !== null;
  }

  async discardChunksFrom(uploadId: string, fromN: number): Promise<void> {
    await this.chunks.deleteMany({ files_id: uploadId, n: { $gte: fromN } });
  }

  async savePart(uploadId: string, part: UploadPart, now: Date): Promise<void> {
    const doc: PartDocument = {
      _id: partId(uploadId, part.offset),
      upload_id: uploadId,
      offset: part.offset,
      tail: new mongo.Binary(part.tail),
      created_at: now,
    };
    await this.parts.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  /** After completion the chunks belong to the file; only the upload's bookkeeping goes. */
  async forgetUpload(uploadId: string): Promise<void> {
    await this.parts.deleteMany({ upload_id: uploadId });
    await this.uploads.deleteOne({ _id: uploadId });
  }

  /** Every byte of an unfinished upload; the uploads document goes last, so a crash leaves it findable. */
  async deleteUpload(uploadId: string): Promise<void> {
    await this.chunks.deleteMany({ files_id: uploadId });
    await this.parts.deleteMany({ upload_id: uploadId });
    await this.uploads.deleteOne({ _id: uploadId });
  }

  async uploadIdsOf(owner: UploadOwner): Promise<string[]> {
    const docs = await this.uploads.find({ tenant: owner.tenant, asset_id: owner.assetId }, { projection: { _id: 1 } }).toArray();
    return docs.map((doc) => doc._id);
  }
}

function partId(uploadId: string, offset: number): string {
  return `${uploadId}:${offset}`;
}

function bufferOf(binary: mongo.Binary): Buffer {
  const bytes = binary.read(0, binary.length());
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
