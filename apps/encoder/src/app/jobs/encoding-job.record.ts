import type { AssetLabel, ProcessingResultMessage } from '@media/asset-model';

/**
 * One job in `encoding_jobs`: the queue entry, its lease and, once done, the result waiting to be (or
 * already) reported. `_id` is the job id (`<asset id>:<original file id>`), so a redelivered
 * `asset.uploaded` finds its job already there.
 */
export interface EncodingJobRecord {
  _id: string;
  asset_id: string;
  tenant: string;
  /** Public id of the original (its /cdn id), as the triggering event named it. */
  original_file_id: string;
  /** How storage is asked for the original's bytes (events carry public ids, not storage's). */
  sha256: string;
  label: AssetLabel;
  mime_type: string | null;
  original_name: string | null;
  trigger_event_id: string;
  /** Trace context of the triggering event, carried into the result message. */
  traceparent: string | null;
  /** `pending` until a worker completes it; `ready` / `failed` once its result is recorded. */
  status: 'pending' | 'ready' | 'failed';
  /** Claims so far, counted when claimed: a worker that dies mid-job has still used an attempt. */
  attempts: number;
  /** Releases after infrastructure errors (storage unreachable), which do not use up attempts. */
  transient_failures: number;
  /** The attempt whose re-run already waited out its pause after a crashed worker (see claimDecision). */
  crash_deferred_for?: number | null;
  /** When a pending job may next be claimed: now for a new job, the lease's end for a claimed one. */
  due_at: Date | null;
  lease_token: string | null;
  created_on: Date;
  changed_on: Date;
  last_error: string | null;
  result: ProcessingResultMessage | null;
  /** Set once Kafka acknowledged the result. */
  reported_on: Date | null;
}

export type NewEncodingJob = Pick<
  EncodingJobRecord,
  '_id' | 'asset_id' | 'tenant' | 'original_file_id' | 'sha256' | 'label' | 'mime_type' | 'original_name' | 'trigger_event_id' | 'traceparent'
>;

/** A job this replica holds the lease of; its outcome is recorded only while the lease is still ours. */
export interface ClaimedJob {
  record: EncodingJobRecord;
  leaseToken: string;
}
