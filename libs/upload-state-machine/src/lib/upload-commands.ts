import type { UploadOffsets, UploadSession } from './upload-session';

export type UploadCommand =
  | { kind: 'begin_transfer'; transferId: string; startOffset?: number; now: number; leaseMs: number }
  | { kind: 'commit_transfer'; transferId: string; bytes: number; now: number }
  | { kind: 'abort_transfer'; transferId: string }
  | { kind: 'finish'; now: number }
  | { kind: 'expire'; now: number };

/** Events the asset emits as a consequence of a transition (published on `assets.events.v1`). */
export type UploadEvent = 'asset.created' | 'asset.uploaded' | 'asset.changed';

export type RefusalCode =
  | 'invalid_file_size'
  | 'upload_not_open'
  | 'upload_expired'
  | 'transfer_in_progress'
  | 'transfer_lost'
  | 'offset_mismatch'
  | 'chunk_too_large'
  | 'chunk_exceeds_file_size'
  | 'empty_chunk'
  | 'upload_incomplete';

/** A typed "no": the HTTP status it maps to and the offsets the client needs to carry on. */
export interface Refusal {
  code: RefusalCode;
  status: 400 | 409 | 410 | 413 | 422;
  detail: string;
  offsets?: UploadOffsets;
  /** For `offset_mismatch`: the offset the client sent. */
  providedOffset?: number;
}

export type Transition =
  | {
      ok: true;
      session: UploadSession;
      events: UploadEvent[];
      /** True when the command had already taken effect (a repeated finish): nothing changes, nothing fires. */
      replay: boolean;
    }
  | { ok: false; refusal: Refusal };
