import { Inject, Injectable } from '@nestjs/common';
import { mongo } from 'mongoose';
import { MONGO_DB } from '../database/mongo-db.provider';
import { COLLECTIONS } from '../storage.constants';

/** Where each kind's scan stopped: the next pass goes on from there, so passes walk everything in turn. */
export interface ScanCursors {
  files: string;
  uploads: string;
  chunks: string;
  parts: string;
}

export interface OwnedCandidate {
  id: string;
  tenant: string;
  assetId: string;
}

interface LeaseDocument {
  _id: string;
  holder: string;
  until: Date;
  cursors?: ScanCursors;
}

const LEASE_ID = 'storage-garbage-collector';
const DUPLICATE_KEY = 11000;
const START: ScanCursors = { files: '', uploads: '', chunks: '000000000000000000000000', parts: '' };

/**
 * The collector's reads over stored bytes, oldest-first by id and bounded per call, and its lease. Only
 * candidates older than the grace period are returned; deciding what is garbage is the caller's.
 */
@Injectable()
export class OrphanScanRepository {
  private readonly leases: mongo.Collection<LeaseDocument>;
  private readonly db: mongo.Db;

  constructor(@Inject(MONGO_DB) db: mongo.Db) {
    this.db = db;
    this.leases = db.collection<LeaseDocument>('gc_leases');
  }

  /** True when this holder has the lease until `now + ttlMs` (taken over only after the last holder's ran out). */
  async acquireLease(holder: string, now: Date, ttlMs: number): Promise<boolean> {
    try {
      const result = await this.leases.updateOne(
        { _id: LEASE_ID, $or: [{ holder }, { until: { $lte: now } }] },
        { $set: { holder, until: new Date(now.getTime() + ttlMs) } },
        { upsert: true },
      );
      return result.matchedCount + result.upsertedCount === 1;
    } catch (error) {
      // Someone else holds it: the filter missed and the upsert collided with their document.
      if (error instanceof mongo.MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async cursors(): Promise<ScanCursors> {
    return { ...START, ...(await this.leases.findOne({ _id: LEASE_ID }))?.cursors };
  }

  async saveCursors(holder: string, cursors: ScanCursors): Promise<void> {
    await this.leases.updateOne({ _id: LEASE_ID, holder }, { $set: { cursors } });
  }

  /** GridFS files written before `before`, after the cursor. */
  async oldFiles(after: string, before: Date, limit: number): Promise<OwnedCandidate[]> {
    const docs = await this.db
      .collection<{ _id: string; uploadDate: Date; metadata?: { tenant?: string; asset_id?: string } }>(COLLECTIONS.files)
      .find({ _id: { $gt: after }, uploadDate: { $lt: before } }, { projection: { _id: 1, metadata: 1 }, sort: { _id: 1 }, limit })
      .toArray();
    return docs.map((doc) => ({ id: doc._id, tenant: doc.metadata?.tenant ?? '', assetId: doc.metadata?.asset_id ?? '' }));
  }

  /** Resumable uploads registered before `before`, after the cursor. */
  async oldUploads(after: string, before: Date, limit: number): Promise<OwnedCandidate[]> {
    const docs = await this.db
      .collection<{ _id: string; tenant: string; asset_id: string; created_at: Date }>(COLLECTIONS.uploads)
      .find({ _id: { $gt: after }, created_at: { $lt: before } }, { projection: { _id: 1, tenant: 1, asset_id: 1 }, sort: { _id: 1 }, limit })
      .toArray();
    return docs.map((doc) => ({ id: doc._id, tenant: doc.tenant, assetId: doc.asset_id }));
  }

  /**
   * Chunk documents written before `before` (their ObjectId says when), after the cursor: the distinct
   * owners (`files_id`) of one batch, and the last chunk id seen.
   */
  async oldChunkOwners(after: string, before: Date, limit: number): Promise<{ owners: string[]; last: string | null }> {
    const docs = await this.db
      .collection<{ _id: mongo.ObjectId; files_id: string }>(COLLECTIONS.chunks)
      .find({ _id: { $gt: new mongo.ObjectId(after), $lt: mongo.ObjectId.createFromTime(Math.floor(before.getTime() / 1000)) } }, { projection: { _id: 1, files_id: 1 }, sort: { _id: 1 }, limit })
      .toArray();
    return { owners: [...new Set(docs.map((doc) => String(doc.files_id)))], last: docs.at(-1)?._id.toHexString() ?? null };
  }

  /** Upload parts saved before `before`, after the cursor. */
  async oldParts(after: string, before: Date, limit: number): Promise<{ id: string; uploadId: string }[]> {
    const docs = await this.db
      .collection<{ _id: string; upload_id: string; created_at: Date }>(COLLECTIONS.uploadParts)
      .find({ _id: { $gt: after }, created_at: { $lt: before } }, { projection: { _id: 1, upload_id: 1 }, sort: { _id: 1 }, limit })
      .toArray();
    return docs.map((doc) => ({ id: doc._id, uploadId: doc.upload_id }));
  }

  /** Ids among `ids` that a GridFS file or an upload document carries (chunks with such an owner are not orphans). */
  async owned(ids: readonly string[]): Promise<Set<string>> {
    const list = [...ids];
    const [files, uploads] = await Promise.all([
      this.db.collection<{ _id: string }>(COLLECTIONS.files).find({ _id: { $in: list } }, { projection: { _id: 1 } }).toArray(),
      this.db.collection<{ _id: string }>(COLLECTIONS.uploads).find({ _id: { $in: list } }, { projection: { _id: 1 } }).toArray(),
    ]);
    return new Set([...files, ...uploads].map((doc) => String(doc._id)));
  }

  /** Removes an ownerless owner's chunks written before `before` (newer ones may belong to a request in flight). */
  async deleteChunksOf(filesId: string, before: Date): Promise<number> {
    const result = await this.db
      .collection(COLLECTIONS.chunks)
      .deleteMany({ files_id: filesId, _id: { $lt: mongo.ObjectId.createFromTime(Math.floor(before.getTime() / 1000)) } });
    return result.deletedCount;
  }

  async deleteParts(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.db.collection<{ _id: string }>(COLLECTIONS.uploadParts).deleteMany({ _id: { $in: [...ids] } })).deletedCount;
  }
}
