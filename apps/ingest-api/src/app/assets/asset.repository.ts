import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AssetEventType } from '@media/asset-model';
import type { Collection } from 'mongodb';
import type { FilterQuery, Model } from 'mongoose';
import type { AssetListQuery } from './asset-list.query';
import type { AssetChanges, AssetRecord, PendingEvent, TenantId } from './asset.record';
import { OutboxSignal } from '../outbox/outbox.signal';
import { ASSET_MODEL } from './asset.schema';

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
export class AssetRepository {
  /** Writes go through the driver's collection so that exactly the operators written here are sent. */
  private readonly collection: Collection<AssetRecord>;

  constructor(
    @InjectModel(ASSET_MODEL) private readonly assets: Model<AssetRecord>,
    private readonly outbox: OutboxSignal,
  ) {
    this.collection = assets.collection as unknown as Collection<AssetRecord>;
  }

  async findOne(tenant: TenantId, id: string): Promise<AssetRecord | null> {
    return this.assets.findOne({ _id: id, tenant, deleted_on: null }).lean<AssetRecord>().exec();
  }

  /** Inserts a new asset together with its first events. */
  async insert(record: Omit<AssetRecord, 'pending_events' | 'version'>, events: AssetEventType[], context: EventContext): Promise<AssetRecord> {
    const stored: AssetRecord = { ...record, version: 1, pending_events: [] };
    stored.pending_events = pendingEvents(stored, events, context);
    await this.collection.insertOne(stored);
    this.outbox.notify(stored._id);
    return stored;
  }

  /**
   * Applies `changes` if the asset is still at `expectedVersion`; returns the new record, or null when
   * someone else changed (or deleted) it first.
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
    const result = await this.collection.updateOne(
      { _id: current._id, tenant: current.tenant, version: current.version, deleted_on: null },
      {
        $set: { ...changes, version: next.version, changed_on: now },
        ...(appended.length > 0 ? { $push: { pending_events: { $each: appended } } } : {}),
      },
    );
    if (result.modifiedCount !== 1) return null;
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

  async list(tenant: TenantId, query: AssetListQuery): Promise<{ total: number; items: AssetRecord[] }> {
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
        .lean<AssetRecord[]>()
        .exec(),
    ]);
    return { total, items };
  }

  /** For /cdn, which is not tenant-scoped: the id is an unguessable capability. */
  async findByServedFileId(fileId: string): Promise<AssetRecord | null> {
    return this.assets.findOne({ 'files.id': fileId, deleted_on: null }).lean<AssetRecord>().exec();
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

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
