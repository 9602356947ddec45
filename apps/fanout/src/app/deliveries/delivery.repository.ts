import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Collection, MongoBulkWriteError } from 'mongodb';
import type { Model } from 'mongoose';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import type { DeliveryAttempt, DeliveryRecord, TenantId } from '../webhooks/webhook.record';
import { DELIVERY_MODEL } from '../webhooks/webhook.schema';

const DUPLICATE_KEY = 11000;

function isBulkWriteError(error: unknown): error is Pick<MongoBulkWriteError, 'writeErrors' | 'insertedCount'> {
  return error instanceof Error && error.name === 'MongoBulkWriteError' && 'writeErrors' in error && 'insertedCount' in error;
}

/** A delivery this replica holds the lease of; the outcome is recorded only while the lease is still ours. */
export interface ClaimedDelivery {
  record: DeliveryRecord;
  leaseToken: string;
}

export type AttemptOutcome =
  | { status: 'succeeded' }
  | { status: 'pending'; nextAttemptAt: Date; failures: number }
  | { status: 'failed'; failures: number };

/** A manual retry: the delivery, or why there is none. */
export type RetryResult = { kind: 'retried'; record: DeliveryRecord } | { kind: 'not_found' } | { kind: 'limit_reached'; limit: number };

/**
 * The delivery log and queue in one: a delivery is a document with `next_attempt_at`; a replica claims a
 * due one by moving `next_attempt_at` past its lease in one compare-and-set, so no two replicas send the
 * same attempt, and a replica that dies mid-attempt hands it over once the lease runs out.
 */
@Injectable()
export class DeliveryRepository {
  private readonly collection: Collection<DeliveryRecord>;
  private readonly retentionMs: number;
  private readonly manualRetries: number;

  constructor(@InjectModel(DELIVERY_MODEL) model: Model<DeliveryRecord>, @Inject(FANOUT_CONFIG) config: FanoutConfig) {
    this.collection = model.collection as unknown as Collection<DeliveryRecord>;
    this.retentionMs = config.WEBHOOK_DELIVERY_RETENTION_SECONDS * 1000;
    this.manualRetries = config.WEBHOOK_MANUAL_RETRIES;
  }

  /** Inserts those this webhook/event pair does not have yet (redelivered messages); the number inserted. */
  async insertAllOnce(records: DeliveryRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    try {
      return (await this.collection.insertMany(records, { ordered: false })).insertedCount;
    } catch (error) {
      // Unordered: every record was tried; duplicates (already planned) are the only acceptable failure.
      // Recognised by name, not `instanceof`: the collection comes through mongoose, whose own copy of the
      // driver throws its own MongoBulkWriteError class. With `instanceof`, a redelivered event's duplicates
      // were retried and then dead-lettered, stalling the partition for seconds (seen in the chaos run).
      if (isBulkWriteError(error) && (Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]).every((e) => e.code === DUPLICATE_KEY)) {
        return error.insertedCount;
      }
      throw error;
    }
  }

  async claimDue(now: Date, leaseMs: number, exclude: { tenants: string[]; webhooks: string[] } = { tenants: [], webhooks: [] }): Promise<ClaimedDelivery | null> {
    const leaseToken = randomUUID();
    const record = await this.collection.findOneAndUpdate(
      {
        status: 'pending',
        next_attempt_at: { $lte: now },
        ...(exclude.tenants.length > 0 ? { tenant: { $nin: exclude.tenants as TenantId[] } } : {}),
        ...(exclude.webhooks.length > 0 ? { webhook_id: { $nin: exclude.webhooks } } : {}),
      },
      { $set: { next_attempt_at: new Date(now.getTime() + leaseMs), lease_token: leaseToken } },
      { sort: { next_attempt_at: 1 }, returnDocument: 'after' },
    );
    return record ? { record, leaseToken } : null;
  }

  /** Appends the attempt and moves the delivery on; false when the lease was lost (another replica took over). */
  async recordAttempt(claim: ClaimedDelivery, attempt: DeliveryAttempt | null, outcome: AttemptOutcome, lastError: string | null): Promise<boolean> {
    const now = new Date();
    const set: Partial<DeliveryRecord> = {
      status: outcome.status,
      // A finished delivery starts its retention; one still pending is never expired.
      expires_at: outcome.status === 'pending' ? null : new Date(now.getTime() + this.retentionMs),
      lease_token: null,
      changed_on: now,
      last_error: lastError,
      next_attempt_at: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
      ...(outcome.status === 'succeeded' ? {} : { failures: outcome.failures }),
    };
    const result = await this.collection.updateOne(
      { _id: claim.record._id, lease_token: claim.leaseToken },
      attempt ? { $set: set, $push: { attempts: attempt } } : { $set: set },
    );
    return result.matchedCount === 1;
  }

  /** Gives a claimed delivery back, due now and with no attempt counted (its sender is shutting down). */
  async releaseClaim(claim: ClaimedDelivery): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: claim.record._id, lease_token: claim.leaseToken },
      { $set: { next_attempt_at: new Date(), lease_token: null } },
    );
    return result.matchedCount === 1;
  }

  /** Pending deliveries and when the oldest was planned, for the backlog gauges. */
  async backlog(): Promise<{ count: number; oldest: Date | null }> {
    const [count, oldest] = await Promise.all([
      this.collection.countDocuments({ status: 'pending' }),
      this.collection.findOne({ status: 'pending' }, { sort: { created_on: 1 }, projection: { created_on: 1 } }),
    ]);
    return { count, oldest: oldest?.created_on ?? null };
  }

  findOne(tenant: TenantId, webhookId: string, id: string): Promise<DeliveryRecord | null> {
    return this.collection.findOne({ _id: id, tenant, webhook_id: webhookId });
  }

  async list(tenant: TenantId, webhookId: string, skip: number, limit: number): Promise<{ total: number; items: DeliveryRecord[] }> {
    const filter = { tenant, webhook_id: webhookId };
    const [total, items] = await Promise.all([
      this.collection.countDocuments(filter),
      this.collection.find(filter).sort({ created_on: -1 }).skip(skip).limit(limit).toArray(),
    ]);
    return { total, items };
  }

  /** A manual retry: due now, with the whole schedule ahead again; at most `WEBHOOK_MANUAL_RETRIES` of them. */
  async retryNow(tenant: TenantId, webhookId: string, id: string): Promise<RetryResult> {
    const now = new Date();
    const key = { _id: id, tenant, webhook_id: webhookId };
    // The bound is part of the compare-and-set, so concurrent retries cannot pass it together.
    const record = await this.collection.findOneAndUpdate(
      { ...key, $or: [{ manual_retries: { $exists: false } }, { manual_retries: { $lt: this.manualRetries } }] },
      {
        $set: { status: 'pending', next_attempt_at: now, failures: 0, lease_token: null, changed_on: now, expires_at: null },
        $inc: { manual_retries: 1 },
      },
      { returnDocument: 'after' },
    );
    if (record) return { kind: 'retried', record };
    return (await this.collection.countDocuments(key, { limit: 1 })) === 0 ? { kind: 'not_found' } : { kind: 'limit_reached', limit: this.manualRetries };
  }

  /**
   * Removes up to `batch` deliveries whose retention has passed; the number removed. The TTL index does
   * this on MongoDB; this sweep covers servers that ignore TTL indexes (the local stand-in does).
   */
  async deleteExpired(now: Date, batch: number): Promise<number> {
    const ids = (await this.collection.find({ expires_at: { $lte: now } }, { projection: { _id: 1 }, limit: batch }).toArray()).map((doc) => doc._id);
    if (ids.length === 0) return 0;
    return (await this.collection.deleteMany({ _id: { $in: ids }, expires_at: { $lte: now } })).deletedCount;
  }

  async deleteOfWebhook(tenant: TenantId, webhookId: string): Promise<void> {
    await this.collection.deleteMany({ tenant, webhook_id: webhookId });
  }
}
