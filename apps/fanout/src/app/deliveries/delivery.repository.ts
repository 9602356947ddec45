import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Collection, MongoServerError } from 'mongodb';
import type { Model } from 'mongoose';
import type { DeliveryAttempt, DeliveryRecord, TenantId } from '../webhooks/webhook.record';
import { DELIVERY_MODEL } from '../webhooks/webhook.schema';

const DUPLICATE_KEY = 11000;

/** A delivery this replica holds the lease of; the outcome is recorded only while the lease is still ours. */
export interface ClaimedDelivery {
  record: DeliveryRecord;
  leaseToken: string;
}

export type AttemptOutcome =
  | { status: 'succeeded' }
  | { status: 'pending'; nextAttemptAt: Date; failures: number }
  | { status: 'failed'; failures: number };

/**
 * The delivery log and queue in one: a delivery is a document with `next_attempt_at`; a replica claims a
 * due one by moving `next_attempt_at` past its lease in one compare-and-set, so no two replicas send the
 * same attempt, and a replica that dies mid-attempt hands it over once the lease runs out.
 */
@Injectable()
export class DeliveryRepository {
  private readonly collection: Collection<DeliveryRecord>;

  constructor(@InjectModel(DELIVERY_MODEL) model: Model<DeliveryRecord>) {
    this.collection = model.collection as unknown as Collection<DeliveryRecord>;
  }

  /** Inserts unless this webhook already has this event (a redelivered Kafka message); true when new. */
  async insertOnce(record: DeliveryRecord): Promise<boolean> {
    try {
      await this.collection.insertOne(record);
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async claimDue(now: Date, leaseMs: number): Promise<ClaimedDelivery | null> {
    const leaseToken = randomUUID();
    const record = await this.collection.findOneAndUpdate(
      { status: 'pending', next_attempt_at: { $lte: now } },
      { $set: { next_attempt_at: new Date(now.getTime() + leaseMs), lease_token: leaseToken } },
      { sort: { next_attempt_at: 1 }, returnDocument: 'after' },
    );
    return record ? { record, leaseToken } : null;
  }

  /** Appends the attempt and moves the delivery on; false when the lease was lost (another replica took over). */
  async recordAttempt(claim: ClaimedDelivery, attempt: DeliveryAttempt | null, outcome: AttemptOutcome, lastError: string | null): Promise<boolean> {
    const set: Partial<DeliveryRecord> = {
      status: outcome.status,
      lease_token: null,
      changed_on: new Date(),
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

  /** A manual retry: due now, with the whole schedule ahead again. */
  retryNow(tenant: TenantId, webhookId: string, id: string): Promise<DeliveryRecord | null> {
    const now = new Date();
    return this.collection.findOneAndUpdate(
      { _id: id, tenant, webhook_id: webhookId },
      { $set: { status: 'pending', next_attempt_at: now, failures: 0, lease_token: null, changed_on: now } },
      { returnDocument: 'after' },
    );
  }

  async deleteOfWebhook(tenant: TenantId, webhookId: string): Promise<void> {
    await this.collection.deleteMany({ tenant, webhook_id: webhookId });
  }
}
