import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Collection, MongoBulkWriteError } from 'mongodb';
import type { Model } from 'mongoose';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import type { DeliveryAttempt, DeliveryRecord, EndpointHeadRecord, TenantId } from '../webhooks/webhook.record';
import { DELIVERY_MODEL, ENDPOINT_HEAD_MODEL } from '../webhooks/webhook.schema';
import { dueAt, HEAD_WINDOW, type HeadState, inFlight, leased, nextAction, offer, overflowAt, refilled, sameHead, settled } from './endpoint-head';

const DUPLICATE_KEY = 11000;
/** Compare-and-set rounds on one head before giving up (only a head written this often by others loses them all). */
const HEAD_WRITE_ATTEMPTS = 20;
/** Heads one claim looks at before answering "nothing due" (each one that lagged behind its deliveries costs one). */
const CLAIM_ATTEMPTS = 8;

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
 * due one by moving `next_attempt_at` past its lease in one compare-and-set on its `_id`, so no two
 * replicas send the same attempt, and a replica that dies mid-attempt hands it over once the lease runs out.
 *
 * Which delivery to claim is read from `webhook_endpoint_heads`, one small document per endpoint listing a
 * window of its pending deliveries: a claim reads the earliest-due head of a tenant and endpoint below its
 * share and then touches one delivery by `_id`, so its cost follows the number of endpoints, not the size
 * of the log (which grows with every event of an endpoint that hangs). Every write goes to the delivery
 * first and to its head second; a head that lags (a crash in between, a lost race) is corrected by the
 * next claimer that finds its entry stale, by a refill from the deliveries, or by `repairHeads`.
 */
@Injectable()
export class DeliveryRepository {
  private readonly collection: Collection<DeliveryRecord>;
  private readonly heads: Collection<EndpointHeadRecord>;
  private readonly retentionMs: number;
  private readonly manualRetries: number;

  constructor(
    @InjectModel(DELIVERY_MODEL) model: Model<DeliveryRecord>,
    @InjectModel(ENDPOINT_HEAD_MODEL) headModel: Model<EndpointHeadRecord>,
    @Inject(FANOUT_CONFIG) config: FanoutConfig,
  ) {
    this.collection = model.collection as unknown as Collection<DeliveryRecord>;
    this.heads = headModel.collection as unknown as Collection<EndpointHeadRecord>;
    this.retentionMs = config.WEBHOOK_DELIVERY_RETENTION_SECONDS * 1000;
    this.manualRetries = config.WEBHOOK_MANUAL_RETRIES;
  }

  /**
   * Inserts those this webhook/event pair does not have yet (redelivered messages), then lists them in
   * their endpoints' heads; the number inserted. A crash in between leaves the Kafka message uncommitted:
   * read again, its deliveries are duplicates, and their heads are told to look in the deliveries.
   */
  async insertAllOnce(records: DeliveryRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    let duplicates = new Set<number>();
    try {
      await this.collection.insertMany(records, { ordered: false });
    } catch (error) {
      // Unordered: every record was tried; duplicates (already planned) are the only acceptable failure.
      // By shape, not `instanceof`: mongoose carries its own copy of the driver, whose error classes differ.
      const writeErrors = (error as Partial<Pick<MongoBulkWriteError, 'writeErrors'>>).writeErrors;
      const errors = writeErrors ? (Array.isArray(writeErrors) ? writeErrors : [writeErrors]) : null;
      if (!errors || !errors.every((e) => e.code === DUPLICATE_KEY)) throw error;
      duplicates = new Set(errors.map((e) => e.index));
    }
    const byEndpoint = new Map<string, { tenant: TenantId; change: (state: HeadState) => HeadState }>();
    records.forEach((record, index) => {
      const previous = byEndpoint.get(record.webhook_id)?.change ?? ((state: HeadState) => state);
      const due = record.next_attempt_at ?? record.created_on;
      // A duplicate's delivery was planned before, maybe without reaching its head: the head refills.
      const change = duplicates.has(index) ? (state: HeadState) => overflowAt(previous(state), due) : (state: HeadState) => offer(previous(state), record._id, due);
      byEndpoint.set(record.webhook_id, { tenant: record.tenant, change });
    });
    // One read for all the heads; an endpoint whose window is full and already points at the deliveries
    // is not written at all (the steady state of an endpoint that hangs).
    const known = new Map((await this.heads.find({ _id: { $in: [...byEndpoint.keys()] } }).toArray()).map((head) => [head._id, head]));
    await Promise.all(
      [...byEndpoint].map(async ([webhookId, { tenant, change }]) => {
        const head = known.get(webhookId);
        if (head && (await this.writeHead(head, change(stateOf(head))))) return;
        await this.changeHead(webhookId, tenant, change);
      }),
    );
    return records.length - duplicates.size;
  }

  /**
   * Claims the earliest-due delivery of an endpoint whose tenant and endpoint are not excluded: reads the
   * earliest-due such head, claims its due entry by `_id`, and marks the entry leased. A head whose entry
   * no longer matches its delivery is corrected from it, and the next head is tried.
   */
  async claimDue(now: Date, leaseMs: number, exclude: { tenants: string[]; webhooks: string[] } = { tenants: [], webhooks: [] }): Promise<ClaimedDelivery | null> {
    const skipped: string[] = [];
    const refilledHeads = new Set<string>();
    for (let round = 0; round < CLAIM_ATTEMPTS; round += 1) {
      const webhooks = [...exclude.webhooks, ...skipped];
      const head = await this.heads.findOne(
        {
          due_at: { $lte: now },
          ...(exclude.tenants.length > 0 ? { tenant: { $nin: exclude.tenants as TenantId[] } } : {}),
          ...(webhooks.length > 0 ? { _id: { $nin: webhooks } } : {}),
        },
        { sort: { due_at: 1 } },
      );
      if (!head) return null;
      const action = nextAction(stateOf(head), now);
      if (action.kind === 'refill' && !refilledHeads.has(head._id)) {
        refilledHeads.add(head._id);
        await this.refill(head, now);
        continue;
      }
      if (action.kind !== 'claim') {
        skipped.push(head._id);
        continue;
      }
      const leaseToken = randomUUID();
      const until = new Date(now.getTime() + leaseMs);
      const record = await this.collection.findOneAndUpdate(
        { _id: action.id, status: 'pending', next_attempt_at: { $lte: now } },
        { $set: { next_attempt_at: until, lease_token: leaseToken } },
        { returnDocument: 'after' },
      );
      if (record) {
        // The lease is ours whatever happens to the head: one that lags lists the entry as due, and the
        // claimer that tries it finds it leased and corrects the entry.
        await this.changeHead(head._id, head.tenant, (state) => leased(state, record._id, until)).catch(() => undefined);
        return { record, leaseToken };
      }
      await this.correctEntry(head._id, head.tenant, action.id);
    }
    return null;
  }

  /** The head's entry of this delivery made true again from the delivery itself. */
  private async correctEntry(webhookId: string, tenant: TenantId, id: string): Promise<void> {
    const actual = await this.collection.findOne({ _id: id }, { projection: { status: 1, next_attempt_at: 1, lease_token: 1 } });
    await this.changeHead(webhookId, tenant, (state) => {
      if (actual?.status !== 'pending' || !actual.next_attempt_at) return settled(state, id, null);
      // What was read may be old by now: an entry that is gone meanwhile was settled by the lease holder,
      // who knows better, and adding it back would list a finished delivery until its lease ran out.
      if (!state.entries.some((entry) => entry.id === id)) return state;
      return actual.lease_token ? leased(state, id, actual.next_attempt_at) : settled(state, id, actual.next_attempt_at);
    });
  }

  /** Lists the endpoint's earliest-due pending deliveries again (some were beyond its window or unknown to it). */
  private async refill(head: EndpointHeadRecord, now: Date): Promise<void> {
    const state = stateOf(head);
    const kept = state.entries.filter((entry) => entry.leased).map((entry) => entry.id);
    const found = await this.collection
      .find(
        { webhook_id: head._id, status: 'pending', ...(kept.length > 0 ? { _id: { $nin: kept } } : {}) },
        { projection: { _id: 1, next_attempt_at: 1 }, sort: { next_attempt_at: 1 }, limit: HEAD_WINDOW - kept.length + 1 },
      )
      .toArray();
    // A lost compare-and-set means someone else changed the head meanwhile; the next claim looks again.
    await this.writeHead(head, refilled(state, found.map((delivery) => ({ id: delivery._id, due: delivery.next_attempt_at ?? now }))));
  }

  /**
   * Heads made to know every pending delivery: one whose head neither lists it nor points past its window
   * to it (a crash between the two writes whose message Kafka did not deliver again, deliveries from before
   * heads existed) gets its overflow set, so the next claim refills it. Reads every pending delivery: run
   * now and then, not per claim. The number of heads corrected.
   */
  async repairHeads(): Promise<number> {
    const pending = await this.collection.find({ status: 'pending' }, { projection: { _id: 1, tenant: 1, webhook_id: 1, next_attempt_at: 1, created_on: 1 } }).toArray();
    if (pending.length === 0) return 0;
    const heads = new Map((await this.heads.find({}).toArray()).map((head) => [head._id, head]));
    const unlisted = new Map<string, { tenant: TenantId; due: Date }>();
    for (const delivery of pending) {
      const head = heads.get(delivery.webhook_id);
      if (head?.entries.some((entry) => entry.id === delivery._id)) continue;
      const due = delivery.next_attempt_at ?? delivery.created_on;
      const earliest = unlisted.get(delivery.webhook_id);
      if (!earliest || due.getTime() < earliest.due.getTime()) unlisted.set(delivery.webhook_id, { tenant: delivery.tenant, due });
    }
    let repaired = 0;
    for (const [webhookId, { tenant, due }] of unlisted) {
      const overflow = heads.get(webhookId)?.overflow_due;
      if (overflow && overflow.getTime() <= due.getTime()) continue;
      await this.changeHead(webhookId, tenant, (state) => overflowAt(state, due));
      repaired += 1;
    }
    return repaired;
  }

  /** Applies a change to an endpoint's head (created when missing) by compare-and-set, reading again after a lost race. */
  private async changeHead(webhookId: string, tenant: TenantId, change: (state: HeadState) => HeadState): Promise<void> {
    for (let round = 0; round < HEAD_WRITE_ATTEMPTS; round += 1) {
      const head = (await this.heads.findOne({ _id: webhookId })) ?? (await this.createHead(webhookId, tenant));
      if (await this.writeHead(head, change(stateOf(head)))) return;
      // Writers of one head are few (its endpoint's claims and its tenant's events): a short random pause
      // keeps them from colliding again in lockstep.
      await sleep(Math.random() * 5 * (round + 1));
    }
    throw new Error(`the head of endpoint ${webhookId} changed under every one of ${HEAD_WRITE_ATTEMPTS} writes`);
  }

  private async createHead(webhookId: string, tenant: TenantId): Promise<EndpointHeadRecord> {
    const empty: EndpointHeadRecord = { _id: webhookId, tenant, entries: [], overflow_due: null, due_at: null, in_flight: 0, rev: randomUUID(), changed_on: new Date() };
    try {
      // `_id` comes from the filter: MongoDB refuses an update that names the immutable `_id` again.
      const { _id, ...fields } = empty;
      await this.heads.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
    } catch (error) {
      // Two writers created it at once; the other one's document is just as good.
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
    }
    return (await this.heads.findOne({ _id: webhookId })) ?? empty;
  }

  /** Writes the head's new state if nobody changed it since it was read; true when written or unchanged. */
  private async writeHead(head: EndpointHeadRecord, next: HeadState): Promise<boolean> {
    if (sameHead(stateOf(head), next)) return true;
    const result = await this.heads.updateOne(
      { _id: head._id, rev: head.rev },
      { $set: { entries: next.entries, overflow_due: next.overflow_due, due_at: dueAt(next), in_flight: inFlight(next), rev: randomUUID(), changed_on: new Date() } },
    );
    return result.matchedCount === 1;
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
    if (result.matchedCount !== 1) return false;
    await this.changeHead(claim.record.webhook_id, claim.record.tenant, (state) => settled(state, claim.record._id, set.next_attempt_at ?? null));
    return true;
  }

  /** Gives a claimed delivery back, due now and with no attempt counted (its sender is shutting down). */
  async releaseClaim(claim: ClaimedDelivery): Promise<boolean> {
    const now = new Date();
    const result = await this.collection.updateOne({ _id: claim.record._id, lease_token: claim.leaseToken }, { $set: { next_attempt_at: now, lease_token: null } });
    if (result.matchedCount !== 1) return false;
    await this.changeHead(claim.record.webhook_id, claim.record.tenant, (state) => settled(state, claim.record._id, now));
    return true;
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
    if (record) {
      await this.changeHead(webhookId, tenant, (state) => settled(state, id, now));
      return { kind: 'retried', record };
    }
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
    await this.heads.deleteOne({ _id: webhookId, tenant });
  }
}

function stateOf(head: EndpointHeadRecord): HeadState {
  return { entries: head.entries ?? [], overflow_due: head.overflow_due ?? null };
}
