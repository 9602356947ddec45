import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { type BucketPolicy, type BucketState, take, type TakeDecision } from './token-bucket.policy';

interface BucketDocument extends BucketState {
  _id: string;
}

const DUPLICATE_KEY = 11000;
/** Losing this many compare-and-sets in a row means heavy contention on one bucket: refuse rather than spin. */
const MAX_ROUNDS = 16;
/**
 * A replica that lost a compare-and-set waits a random moment, growing with each loss, before reading
 * again: without it, the replica that just won keeps winning (its next take is already queued) and the
 * loser can run out of rounds while quota is left.
 */
function backoff(round: number): Promise<void> {
  const ceilingMs = Math.min(2 ** round, 50);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
}

/**
 * Token buckets in MongoDB, shared by every ingest-api replica: read the level, decide (pure), write it
 * back only if nobody wrote in between (compare-and-set on the stored time). A refusal writes nothing.
 *
 * Takes of one bucket run one after another inside a replica: concurrent requests of a tenant would
 * otherwise race each other's compare-and-set and, losing it again and again, be refused without the
 * quota being spent. So only replicas compete for a bucket, a race `MAX_ROUNDS` covers.
 */
@Injectable()
export class RateLimitRepository {
  private readonly collection: Collection<BucketDocument>;
  /** The last take queued per bucket; gone once the bucket's queue is empty. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(@InjectConnection() connection: Connection) {
    this.collection = connection.collection<BucketDocument>('rate_limit_buckets') as unknown as Collection<BucketDocument>;
  }

  take(tenant: string, policy: BucketPolicy, cost: number): Promise<TakeDecision> {
    const _id = `${tenant}\u0000${policy.name}`;
    const previous = this.queues.get(_id) ?? Promise.resolve();
    const taken = previous.then(() => this.takeNow(_id, policy, cost));
    const settled = taken.catch(() => undefined);
    this.queues.set(_id, settled);
    void settled.then(() => {
      if (this.queues.get(_id) === settled) this.queues.delete(_id);
    });
    return taken;
  }

  private async takeNow(_id: string, policy: BucketPolicy, cost: number): Promise<TakeDecision> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (round > 0) await backoff(round);
      const stored = await this.collection.findOne({ _id });
      const decision = take(policy, stored, cost, Date.now());
      if (!decision.allowed) return decision;
      try {
        if (!stored) {
          await this.collection.insertOne({ _id, ...decision.next });
          return decision;
        }
        const result = await this.collection.updateOne({ _id, at: stored.at, tokens: stored.tokens }, { $set: decision.next });
        if (result.matchedCount === 1) return decision;
      } catch (error) {
        // Another replica created the bucket first: read it again.
        if (!(typeof error === 'object' && error !== null && (error as { code?: number }).code === DUPLICATE_KEY)) throw error;
      }
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: 1 };
  }
}
