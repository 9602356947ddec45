import { type AssetEventEnvelope, type AssetLabel, processingJobId } from '@media/asset-model';
import type { NewEncodingJob } from './encoding-job.record';

export type JobFromEvent = { ok: true; job: NewEncodingJob } | { ok: false; reason: string };

/**
 * Which job an event asks for. Only `asset.uploaded` does (a finished upload, or a PUT that replaced the
 * source); the job is named by the asset and the public id of the original the event carries, so a
 * redelivered event names the same job and a replaced original names a new one.
 */
export function jobFromEvent(envelope: AssetEventEnvelope, traceparent: string | null): JobFromEvent {
  if (envelope.event !== 'asset.uploaded') return { ok: false, reason: `not an upload (${envelope.event})` };
  const asset = envelope.payload;
  const originals = asset.cdn_files.items.filter((file) => file.role === 'original');
  if (originals.length !== 1) return { ok: false, reason: `the asset has ${originals.length} originals` };
  const original = originals[0];
  if (!original) return { ok: false, reason: 'the asset has no original' };
  if (!asset.checksum) return { ok: false, reason: 'the asset has no checksum to find its original by' };
  return {
    ok: true,
    job: {
      _id: processingJobId(asset.id, original.id),
      asset_id: asset.id,
      tenant: envelope.tenant,
      original_file_id: original.id,
      sha256: asset.checksum.sha256,
      label: asset.label,
      mime_type: asset.mime_type,
      original_name: asset.original_name,
      trigger_event_id: envelope.id,
      traceparent,
    },
  };
}

export type ClaimDecision =
  | { run: true }
  | { run: false; code: 'worker_crashed'; message: string }
  | { run: false; code: 'crash_backoff'; delayMs: number };

const MAX_CRASH_BACKOFF_MS = 30 * 60_000;

/**
 * A job's attempts are counted when it is claimed, so a job claimed again has seen its earlier worker die
 * (or lose its lease) before recording anything. Past `maxAttempts` it fails without running. Before each
 * re-run it first waits out a growing pause (once per attempt: `deferredFor` remembers it), because a
 * worker that restarts and dies on the same file at once would never get to take in the jobs behind it.
 */
export function claimDecision(attempts: number, maxAttempts: number, deferredFor: number | null = null, crashBackoffMs = 0): ClaimDecision {
  if (attempts > maxAttempts) {
    return {
      run: false,
      code: 'worker_crashed',
      message: `processing this file ended without a result ${attempts - 1} times (its worker crashed or failed); it is not tried again`,
    };
  }
  if (attempts >= 2 && crashBackoffMs > 0 && deferredFor !== attempts) {
    return { run: false, code: 'crash_backoff', delayMs: Math.min(crashBackoffMs * 2 ** (attempts - 2), MAX_CRASH_BACKOFF_MS) };
  }
  return { run: true };
}

const TRANSIENT_DELAYS_MS = [2_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];

export type TransientDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * After an infrastructure error (storage unreachable, a dropped connection) the job goes back to the
 * queue with a growing delay and keeps its attempt; past the schedule (about 19 minutes) it fails.
 */
export function transientDecision(failuresBefore: number, random: () => number = Math.random): TransientDecision {
  const base = TRANSIENT_DELAYS_MS[failuresBefore];
  if (base === undefined) return { retry: false };
  // ±20 % jitter keeps replicas that failed together from retrying together.
  return { retry: true, delayMs: Math.round(base * (0.8 + 0.4 * random())) };
}

/** Renew a lease three times per term, so one slow renewal does not lose it. */
export function leaseRenewalIntervalMs(leaseMs: number): number {
  return Math.max(250, Math.floor(leaseMs / 3));
}

/** File name extensions that promise a kind of media; a few ambiguous ones (`.ogg`, `.bin`) are left out. */
const MEDIA_EXTENSIONS: Readonly<Record<string, 'Video' | 'Audio' | 'Photo'>> = {
  mp4: 'Video', m4v: 'Video', mov: 'Video', mkv: 'Video', webm: 'Video', avi: 'Video', wmv: 'Video', flv: 'Video', mpg: 'Video', mpeg: 'Video', ts: 'Video', '3gp': 'Video',
  mp3: 'Audio', m4a: 'Audio', aac: 'Audio', wav: 'Audio', flac: 'Audio', opus: 'Audio', aiff: 'Audio',
  jpg: 'Photo', jpeg: 'Photo', png: 'Photo', gif: 'Photo', webp: 'Photo', heic: 'Photo', avif: 'Photo', tif: 'Photo', tiff: 'Photo', bmp: 'Photo',
};

/**
 * A file whose name promises media but whose bytes are none (the label comes from the bytes): a playlist
 * or script dressed up as `film.mp4` is the classic way to make a media tool read something else. It is
 * never handed to a tool and the asset ends `failed`, telling the client what is wrong with the upload.
 * A different media kind (an `.mp4` with only sound) is fine: containers hold what they hold.
 */
export function contentMismatch(originalName: string | null, label: AssetLabel): { code: 'content_mismatch'; message: string } | null {
  if (label !== 'Document' && label !== 'File') return null;
  const extension = /\.([a-z0-9]{1,5})$/i.exec(originalName ?? '')?.[1]?.toLowerCase();
  const promised = extension === undefined ? undefined : MEDIA_EXTENSIONS[extension];
  if (promised === undefined) return null;
  return { code: 'content_mismatch', message: `the file is named .${extension} but its bytes are not ${promised === 'Audio' ? 'audio' : `a ${promised.toLowerCase()}`}` };
}
