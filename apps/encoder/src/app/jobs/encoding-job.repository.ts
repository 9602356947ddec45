import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { ProcessingResultMessage } from '@media/asset-model';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { ClaimedJob, EncodingJobRecord, NewEncodingJob } from './encoding-job.record';

export const ENCODING_JOBS_COLLECTION = 'encoding_jobs';
const DUPLICATE_KEY = 11000;

/**
 * The encoder's job queue: a job is a document with `due_at`; a worker claims a due one by moving
 * `due_at` past its lease and counting an attempt in one compare-and-set, so no two workers (of any
 * replica) run one attempt, and a worker that dies hands the job over when its lease runs out. Only the
 * holder of the current lease can record a result, so a job completes once.
 */
@Injectable()
export class EncodingJobRepository implements OnModuleInit {
  private readonly collection: Collection<EncodingJobRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.collection = connection.collection(ENCODING_JOBS_COLLECTION) as unknown as Collection<EncodingJobRecord>;
  }

  async onModuleInit(): Promise<void> {
    // Claims look for the oldest due pending job; the reporter for recorded results not yet on Kafka.
    await this.collection.createIndex({ status: 1, due_at: 1 });
    await this.collection.createIndex({ status: 1, reported_on: 1 });
  }

  /** Records a job unless it exists (a redelivered event); true when new. */
  async insertOnce(job: NewEncodingJob, now: Date = new Date()): Promise<boolean> {
    try {
      await this.collection.insertOne({
        ...job,
        status: 'pending',
        attempts: 0,
        transient_failures: 0,
        due_at: now,
        lease_token: null,
        created_on: now,
        changed_on: now,
        last_error: null,
        result: null,
        reported_on: null,
      });
      return true;
    } catch (error) {
      // By code, not class: mongoose carries its own copy of the driver, whose error class differs.
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /**
   * Claims the pending job that has been due longest and counts the attempt. A job whose worker died is
   * due again only when its lease ends, so the jobs queued behind it go first.
   */
  async claimNext(now: Date, leaseMs: number): Promise<ClaimedJob | null> {
    const leaseToken = randomUUID();
    const record = await this.collection.findOneAndUpdate(
      { status: 'pending', due_at: { $lte: now } },
      { $set: { due_at: new Date(now.getTime() + leaseMs), lease_token: leaseToken, changed_on: now }, $inc: { attempts: 1 } },
      { sort: { due_at: 1, created_on: 1 }, returnDocument: 'after' },
    );
    return record ? { record, leaseToken } : null;
  }

  /** Extends a running job's lease; false when it is no longer ours (it ran out and another worker took it). */
  async renewLease(claim: ClaimedJob, until: Date): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: claim.record._id, status: 'pending', lease_token: claim.leaseToken }, { $set: { due_at: until } });
    return result.matchedCount === 1;
  }

  /**
   * Records the result if the lease is still ours: the one compare-and-set that makes a job complete
   * exactly once across workers and replicas. False when another worker owns the job now.
   */
  async complete(claim: ClaimedJob, result: ProcessingResultMessage, now: Date = new Date()): Promise<boolean> {
    const update = await this.collection.updateOne(
      { _id: claim.record._id, status: 'pending', lease_token: claim.leaseToken },
      { $set: { status: result.outcome, result, lease_token: null, due_at: null, changed_on: now, last_error: result.error?.message ?? null } },
    );
    return update.matchedCount === 1;
  }

  /** Puts a job whose last worker died back in the queue until `until`, without using an attempt. */
  async deferAfterCrash(claim: ClaimedJob, until: Date, now: Date = new Date()): Promise<boolean> {
    const update = await this.collection.updateOne(
      { _id: claim.record._id, status: 'pending', lease_token: claim.leaseToken },
      { $set: { due_at: until, lease_token: null, crash_deferred_for: claim.record.attempts, changed_on: now }, $inc: { attempts: -1 } },
    );
    return update.matchedCount === 1;
  }

  /**
   * Gives the job back to run again at `retryAt`. After an infrastructure error the attempt it counted is
   * returned with it; after an error that may be the file's (`keepAttempt`) it stays counted. A shutdown
   * is nobody's failure (`countFailure: false`): it does not count toward giving the job up.
   */
  async release(claim: ClaimedJob, retryAt: Date, error: string, { keepAttempt = false, countFailure = true } = {}, now: Date = new Date()): Promise<boolean> {
    const update = await this.collection.updateOne(
      { _id: claim.record._id, status: 'pending', lease_token: claim.leaseToken },
      { $set: { due_at: retryAt, lease_token: null, last_error: error, changed_on: now }, $inc: { attempts: keepAttempt ? 0 : -1, transient_failures: countFailure ? 1 : 0 } },
    );
    return update.matchedCount === 1;
  }

  /** Recorded results Kafka has not acknowledged yet, recorded before `recordedBefore` (oldest first). */
  findUnreported(recordedBefore: Date, limit: number): Promise<EncodingJobRecord[]> {
    return this.collection
      .find({ status: { $in: ['ready', 'failed'] }, reported_on: null, changed_on: { $lte: recordedBefore } })
      .sort({ changed_on: 1 })
      .limit(limit)
      .toArray();
  }

  async markReported(jobId: string, now: Date = new Date()): Promise<void> {
    await this.collection.updateOne({ _id: jobId }, { $set: { reported_on: now } });
  }

  /** Unfinished jobs and when the oldest was queued, for the queue gauges. */
  async backlog(): Promise<{ count: number; oldest: Date | null }> {
    const [count, oldest] = await Promise.all([
      this.collection.countDocuments({ status: 'pending' }),
      this.collection.findOne({ status: 'pending' }, { sort: { created_on: 1 }, projection: { created_on: 1 } }),
    ]);
    return { count, oldest: oldest?.created_on ?? null };
  }

  findOne(jobId: string): Promise<EncodingJobRecord | null> {
    return this.collection.findOne({ _id: jobId });
  }
}
