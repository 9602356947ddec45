import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AssetEventType } from '@media/asset-model';
import type { Collection } from 'mongodb';
import type { FilterQuery, Model } from 'mongoose';
import type { AssetListQuery } from './asset-list.query';
import type { AssetChanges, AssetRecord, PendingEvent, StoredFile, TenantId } from './asset.record';
import { OutboxSignal } from '../outbox/outbox.signal';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { pendingEventsLimit } from './asset-errors';
import { ASSET_MODEL } from './asset.schema';
import { SERVED_FILES_BACKFILL_BATCH, type ServedFileEntry, ServedFilesRepository, servedFileEntries } from './served-files.repository';

export interface EventContext {
  performedBy: string;
  traceparent?: string;
  /** Renders the wire payload of the asset after the change. */
  render: (record: AssetRecord) => Record<string, unknown>;
}

/**
 * The asset catalog. Every change is one compare-and-set on `version` that also appends the change's
 * events to the same document: the change and its events commit together or not at all.
 */
@Injectable()
export class AssetRepository implements OnApplicationBootstrap {
  private readonly logger = new Logger(AssetRepository.name);
  /** Writes go through the driver's collection so that exactly the operators written here are sent. */
  private readonly collection: Collection<AssetRecord>;

  constructor(
    @InjectModel(ASSET_MODEL) private readonly assets: Model<AssetRecord>,
    private readonly outbox: OutboxSignal,
    private readonly servedFiles: ServedFilesRepository,
    @Inject(INGEST_CONFIG) private readonly config: Pick<IngestApiConfig, 'OUTBOX_MAX_PENDING_EVENTS'>,
  ) {
    this.collection = assets.collection as unknown as Collection<AssetRecord>;
  }

  /** In the background: the gateway serves meanwhile (an id without an entry is then looked for by `files.id`). */
  onApplicationBootstrap(): void {
    this.backfillServedFiles().catch((error: unknown) => this.logger.warn({ error: String(error) }, 'served_files backfill failed; /cdn finds older assets by files.id until a restart backfills them'));
  }

  /**
   * By `_id` alone, then the tenant and deletion checked here: every server answers an `_id` lookup from
   * its index, while the local stand-in scans the collection for `{_id, tenant}`. Another tenant's (or a
   * deleted) asset is never returned, exactly as with the compound filter.
   */
  async findOne(tenant: TenantId, id: string): Promise<AssetRecord | null> {
    const record = await this.collection.findOne({ _id: id });
    // A missing `deleted_on` counts as not deleted, as the filter `deleted_on: null` would.
    return record && record.tenant === tenant && (record.deleted_on ?? null) === null ? (record as AssetRecord) : null;
  }

  /** Inserts a new asset together with its first events. */
  async insert(record: Omit<AssetRecord, 'pending_events' | 'version'>, events: AssetEventType[], context: EventContext): Promise<AssetRecord> {
    const stored: AssetRecord = { ...record, version: 1, pending_events: [] };
    stored.pending_events = pendingEvents(stored, events, context);
    // Before the asset: an asset never lists a file that /cdn cannot find.
    await this.servedFiles.record(servedFileEntries(stored, stored.files));
    await this.collection.insertOne(stored);
    this.outbox.notify(stored._id);
    return stored;
  }

  /**
   * Applies `changes` if the asset is still at `expectedVersion`; returns the new record, or null when
   * someone else changed (or deleted) it first. A change whose events would take the asset's outbox past
   * `OUTBOX_MAX_PENDING_EVENTS` is refused (a DomainError), not appended.
   */
  async compareAndSet(
    current: AssetRecord,
    changes: AssetChanges,
    events: AssetEventType[],
    context: EventContext,
    now: Date = new Date(),
  ): Promise<AssetRecord | null> {
    const next: AssetRecord = { ...current, ...changes, version: current.version + 1, changed_on: now };
    const appended = pendingEvents(next, events, context);
    const max = this.config.OUTBOX_MAX_PENDING_EVENTS;
    // "No element at index max − n" is "at most max − n events now", checked in the same atomic update:
    // the relay removes events without bumping the version, so `current` may overcount but never undercount.
    const room = appended.length > 0 ? { [`pending_events.${Math.max(0, max - appended.length)}`]: { $exists: false } } : {};
    if (changes.files) await this.servedFiles.record(servedFileEntries(current, newFiles(current.files, changes.files)));
    const result = await this.collection.updateOne(
      { _id: current._id, tenant: current.tenant, version: current.version, deleted_on: null, ...room },
      {
        $set: { ...changes, version: next.version, changed_on: now },
        ...(appended.length > 0 ? { $push: { pending_events: { $each: appended } } } : {}),
      },
    );
    if (result.modifiedCount !== 1) {
      if (appended.length > 0 && (await this.outboxIsFull(current, max - appended.length))) throw pendingEventsLimit(max);
      return null;
    }
    if (appended.length > 0) this.outbox.notify(current._id);
    return { ...next, pending_events: [...current.pending_events, ...appended] };
  }

  /**
   * Renews the lease of a running transfer. It bumps no version: holding a lease is not a change of the
   * asset, and If-Match clients must not see one.
   */
  async renewTransferLease(tenant: TenantId, id: string, transferId: string, leaseUntil: number): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: id, tenant, 'upload.transfer.id': transferId, deleted_on: null },
      { $set: { 'upload.transfer.leaseUntil': leaseUntil } },
    );
    return result.matchedCount === 1;
  }

  /** Whether the update failed because of the bound (the version still matched), not a concurrent writer. */
  private async outboxIsFull(current: AssetRecord, room: number): Promise<boolean> {
    const still = await this.collection.countDocuments({ _id: current._id, version: current.version, deleted_on: null, [`pending_events.${Math.max(0, room)}`]: { $exists: true } }, { limit: 1 });
    return still === 1;
  }

  /** A page of the catalog, without the outbox (internal, and up to OUTBOX_MAX_PENDING_EVENTS payloads per asset). */
  async list(tenant: TenantId, query: AssetListQuery): Promise<{ total: number; items: Omit<AssetRecord, 'pending_events'>[] }> {
    const filter: FilterQuery<AssetRecord> = { tenant, deleted_on: null };
    if (query.label) filter.label = query.label;
    if (query.status) filter.status = query.status;
    if (query.reference_id) filter.reference_id = query.reference_id;
    if (query.tags.length > 0) filter.tags = { $all: query.tags };
    if (query.q) filter.name = { $regex: escapeRegex(query.q), $options: 'i' };
    const [total, items] = await Promise.all([
      this.assets.countDocuments(filter).exec(),
      this.assets
        .find(filter)
        // _id breaks ties so paging through equal timestamps neither repeats nor skips an asset.
        .sort({ [query.sort.field]: query.sort.direction, _id: query.sort.direction })
        .skip(query.skip)
        .limit(query.limit)
        .select({ pending_events: 0 })
        .lean<Omit<AssetRecord, 'pending_events'>[]>()
        .exec(),
    ]);
    return { total, items };
  }

  /**
   * For /cdn, which is not tenant-scoped (the id is an unguessable capability): where a file id leads, by
   * `_id` alone. It does not say whether the file is still served: ask `servedFileOf` (in parallel with
   * opening the bytes, which the entry is enough for).
   */
  async locateServedFile(fileId: string): Promise<ServedFileEntry | null> {
    const entry = await this.servedFiles.find(fileId);
    if (entry) return entry;
    // No entry: written before the index existed and not backfilled yet, or by a replica of the previous
    // release during a rolling deploy (after the backfill ran), or no such file. The old way finds the
    // first two; it is indexed on MongoDB, a collection scan on the local stand-in, and only 404s pay it
    // once every replica writes entries.
    const asset = await this.collection.findOne({ 'files.id': fileId, deleted_on: null }, { projection: { tenant: 1, files: 1 } });
    const file = asset?.files.find((candidate) => candidate.id === fileId);
    return asset && file ? { _id: fileId, asset_id: asset._id, tenant: asset.tenant, storage_file_id: file.storage_file_id, mime_type: file.mime_type } : null;
  }

  /**
   * The file as its asset lists it now, or null when the asset is deleted or no longer lists it (replaced):
   * what `/cdn` answered before the index, from one read by `_id`. Only the files are read, not the outbox.
   */
  async servedFileOf(entry: ServedFileEntry): Promise<StoredFile | null> {
    const asset = await this.collection.findOne({ _id: entry.asset_id }, { projection: { files: 1, deleted_on: 1 } });
    if (!asset || (asset.deleted_on ?? null) !== null) return null;
    return asset.files.find((file) => file.id === entry._id && file.storage_file_id === entry.storage_file_id) ?? null;
  }

  /**
   * Writes the `served_files` entries of assets stored before the index existed, once per database (a
   * marker says it is done; replicas starting together do the same idempotent writes). Deleted assets need
   * none: their files are not served.
   */
  async backfillServedFiles(): Promise<void> {
    if (await this.servedFiles.isBackfilled()) return;
    const cursor = this.collection.find({ 'files.0': { $exists: true }, deleted_on: null }, { projection: { tenant: 1, files: 1 }, batchSize: SERVED_FILES_BACKFILL_BATCH });
    let assets = 0;
    let batch: ServedFileEntry[] = [];
    for await (const asset of cursor) {
      batch.push(...servedFileEntries(asset, asset.files));
      assets += 1;
      if (batch.length >= SERVED_FILES_BACKFILL_BATCH) {
        await this.servedFiles.record(batch);
        batch = [];
      }
    }
    await this.servedFiles.record(batch);
    await this.servedFiles.markBackfilled();
    if (assets > 0) this.logger.log({ assets }, 'served_files backfilled');
  }

  /** Assets with events not yet on Kafka (the outbox), oldest change first. All tenants: the relay is infrastructure. */
  async findWithPendingEvents(limit: number): Promise<Pick<AssetRecord, '_id' | 'pending_events'>[]> {
    return this.collection
      .find({ 'pending_events.id': { $exists: true } }, { projection: { pending_events: 1 } })
      .sort({ changed_on: 1 })
      .limit(limit)
      .toArray();
  }

  /**
   * Assets with unpublished events, and the oldest event of the asset changed longest ago: the outbox's
   * age as far as its own order tells (an event stuck behind newer changes of its asset is not seen).
   */
  async outboxBacklog(): Promise<{ count: number; oldest: Date | null }> {
    const filter = { 'pending_events.id': { $exists: true } };
    const [count, [first]] = await Promise.all([
      this.collection.countDocuments(filter),
      this.collection.find(filter, { projection: { pending_events: 1 } }).sort({ changed_on: 1 }).limit(1).toArray(),
    ]);
    const times = (first?.pending_events ?? []).map((event) => new Date(event.created_on).getTime());
    return { count, oldest: times.length > 0 ? new Date(Math.min(...times)) : null };
  }

  /** The given assets' pending events (a point lookup per id): the relay's path for its own commits. */
  async findPendingEventsOf(ids: readonly string[]): Promise<Pick<AssetRecord, '_id' | 'pending_events'>[]> {
    return this.collection
      .find({ _id: { $in: [...ids] }, 'pending_events.id': { $exists: true } }, { projection: { pending_events: 1 } })
      .sort({ changed_on: 1 })
      .toArray();
  }

  /** Forgets events Kafka has acknowledged; events appended meanwhile stay. */
  async removePublishedEvents(id: string, eventIds: string[]): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $pull: { pending_events: { id: { $in: eventIds } } } });
  }

  /** Open uploads past their TTL, for the expiry sweeper (all tenants, by design). */
  async findExpiredUploads(now: number, limit: number): Promise<AssetRecord[]> {
    return this.assets
      .find({ status: 'uploading', deleted_on: null, 'upload.expiresAt': { $lte: now } })
      .limit(limit)
      .lean<AssetRecord[]>()
      .exec();
  }
}

function pendingEvents(record: AssetRecord, events: AssetEventType[], context: EventContext): PendingEvent[] {
  if (events.length === 0) return [];
  const payload = context.render(record);
  return events.map((event) => ({
    id: randomUUID(),
    event,
    tenant: record.tenant,
    created_on: record.changed_on,
    performed_by: context.performedBy,
    payload,
    ...(context.traceparent ? { traceparent: context.traceparent } : {}),
  }));
}

/** Files in `after` that `before` does not have (by public id). */
function newFiles(before: readonly StoredFile[], after: readonly StoredFile[]): StoredFile[] {
  const known = new Set(before.map((file) => file.id));
  return after.filter((file) => !known.has(file.id));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
