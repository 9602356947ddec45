import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { LRUCache } from 'lru-cache';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { StoredFile, TenantId } from './asset.record';

/**
 * Where a public file id leads: its asset and what is needed to open its bytes. Every field is fixed for
 * the life of the id (a file id is minted with its stored bytes and never reused), so the entry can be
 * trusted for those; whether the asset still lists the file is asked of the asset every time.
 */
export interface ServedFileEntry {
  /** The public file id of its `/cdn` URL. */
  _id: string;
  asset_id: string;
  tenant: TenantId;
  storage_file_id: string;
  mime_type: string;
}

/** Marks a finished backfill; never a file id (those are UUIDs, which `/cdn` checks before looking up). */
const BACKFILLED = '~backfilled-v1';

/**
 * Entries a replica keeps in memory (each a few hundred bytes). An entry never changes, so a kept one is as
 * good as a read: every `/cdn` request of a file seen recently saves a database round trip on its critical
 * path (a player's range requests, a page's images). Whether the file is still served is not kept.
 */
const KEPT_ENTRIES = 10_000;

/** Entries written per round trip by the backfill. */
export const SERVED_FILES_BACKFILL_BATCH = 500;

/** The entries of `files` of an asset. */
export function servedFileEntries(asset: { _id: string; tenant: TenantId }, files: readonly StoredFile[]): ServedFileEntry[] {
  return files.map((file) => ({ _id: file.id, asset_id: asset._id, tenant: asset.tenant, storage_file_id: file.storage_file_id, mime_type: file.mime_type }));
}

/**
 * `served_files`: public file id → asset, keyed by `_id`. `/cdn` resolves a file id through it because
 * every server answers an `_id` lookup from its index, while `{'files.id': …}` on the assets is a full
 * collection scan on the local stand-in (its cost grew with the catalog). The asset repository writes the
 * entries of an asset's new files before the asset itself, so an asset never lists a file without one; an
 * entry whose asset write then failed leads to an asset that does not list it, which answers 404 as before.
 * Entries are never removed: a replaced or deleted file is told apart by its asset, not by the entry.
 */
@Injectable()
export class ServedFilesRepository {
  private readonly collection: Collection<ServedFileEntry>;
  private readonly kept = new LRUCache<string, ServedFileEntry>({ max: KEPT_ENTRIES });

  constructor(@InjectConnection() connection: Connection) {
    this.collection = connection.collection<ServedFileEntry>('served_files') as unknown as Collection<ServedFileEntry>;
  }

  /** Writes entries in one round trip; writing one again changes nothing (an entry is only ever inserted). */
  async record(entries: readonly ServedFileEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const operations: AnyBulkWriteOperation<ServedFileEntry>[] = entries.map(({ _id, ...entry }) => ({
      updateOne: { filter: { _id }, update: { $setOnInsert: entry }, upsert: true },
    }));
    await this.collection.bulkWrite(operations, { ordered: false });
  }

  /** The entry of a file id; a miss is not remembered, since an entry may be written at any moment. */
  async find(fileId: string): Promise<ServedFileEntry | null> {
    const known = this.kept.get(fileId);
    if (known) return known;
    const entry = await this.collection.findOne({ _id: fileId });
    if (entry) this.kept.set(fileId, entry);
    return entry;
  }

  /** Whether every asset written before this code ran has its entries (see `AssetRepository.backfillServedFiles`). */
  async isBackfilled(): Promise<boolean> {
    return (await this.collection.countDocuments({ _id: BACKFILLED }, { limit: 1 })) === 1;
  }

  async markBackfilled(): Promise<void> {
    await this.collection.updateOne({ _id: BACKFILLED }, { $setOnInsert: { asset_id: '', storage_file_id: '', mime_type: '' } }, { upsert: true });
  }
}
