import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { type BucketPolicy, type BucketState, takeAll, type TakeDecision } from './token-bucket.policy';

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

/** A take waiting for its bucket's next round trip. */
interface WaitingTake {
  cost: number;
  resolve: (decision: TakeDecision) => void;
  reject: (error: unknown) => void;
}

/**
 * Token buckets in MongoDB, shared by every ingest-api replica: read the level, decide (pure), write it
 * back only if nobody wrote in between (compare-and-set on the stored time). A refusal writes nothing.
 *
 * Inside a replica, the takes of one bucket are group-committed: while one read-decide-write is in
 * flight, the takes that arrive wait, and the next round trip decides all of them together in arrival
 * order (one read, one write). Taking them one at a time kept a tenant's concurrent requests from racing
 * each other's compare-and-set, but capped the tenant at one request per two database round trips (about
 * 200 requests/s); taking them concurrently had them lose races and be refused with quota left. So only
 * replicas compete for a bucket, a race `MAX_ROUNDS` covers.
 */
@Injectable()
export class RateLimitRepository {
  private readonly collection: Collection<BucketDocument>;
  /** Per bucket, the takes that arrived since its round trip in flight began; gone when there are none. */
  private readonly waiting = new Map<string, WaitingTake[]>();
  /** Buckets with a round trip in flight. */
  private readonly busy = new Set<string>();

  constructor(@InjectConnection() connection: Connection) {
    this.collection = connection.collection<BucketDocument>('rate_limit_buckets') as unknown as Collection<BucketDocument>;
  }

  take(tenant: string, policy: BucketPolicy, cost: number): Promise<TakeDecision> {
    const _id = `${tenant}\u0000${policy.name}`;
    return new Promise<TakeDecision>((resolve, reject) => {
      const queue = this.waiting.get(_id);
      if (queue) queue.push({ cost, resolve, reject });
      else this.waiting.set(_id, [{ cost, resolve, reject }]);
      if (!this.busy.has(_id)) void this.drain(_id, policy);
    });
  }

  /** Decides the waiting takes of a bucket a batch at a time until none are left. */
  private async drain(_id: string, policy: BucketPolicy): Promise<void> {
    this.busy.add(_id);
    try {
      for (let batch = this.waiting.get(_id); batch; batch = this.waiting.get(_id)) {
        this.waiting.delete(_id);
        try {
          const decisions = await this.takeNow(_id, policy, batch.map((waiter) => waiter.cost));
          batch.forEach((waiter, i) => waiter.resolve(decisions[i] as TakeDecision));
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.busy.delete(_id);
    }
  }

  private async takeNow(_id: string, policy: BucketPolicy, costs: readonly number[]): Promise<TakeDecision[]> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (round > 0) await backoff(round);
      const stored = await this.collection.findOne({ _id });
      const { decisions, next } = takeAll(policy, stored, costs, Date.now());
      if (!next) return decisions;
      try {
        if (!stored) {
          await this.collection.insertOne({ _id, ...next });
          return decisions;
        }
        const result = await this.collection.updateOne({ _id, at: stored.at, tokens: stored.tokens }, { $set: next });
        if (result.matchedCount === 1) return decisions;
      } catch (error) {
        // Another replica created the bucket first: read it again.
        if (!(typeof error === 'object' && error !== null && (error as { code?: number }).code === DUPLICATE_KEY)) throw error;
      }
    }
    return costs.map(() => ({ allowed: false, remaining: 0, retryAfterSeconds: 1 }));
  }
}
