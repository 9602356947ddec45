import { DomainError } from '@media/service-kit';
import type { Refusal } from '@media/upload-state-machine';

const TITLES: Record<Refusal['code'], string> = {
  invalid_file_size: 'Invalid file size',
  upload_not_open: 'Upload is not open',
  upload_expired: 'Upload expired',
  transfer_in_progress: 'Another transfer is in progress',
  transfer_lost: 'Transfer lost its lease',
  offset_mismatch: 'Offset mismatch',
  chunk_too_large: 'Chunk too large',
  chunk_exceeds_file_size: 'Chunk exceeds file size',
  empty_chunk: 'Empty chunk',
  upload_incomplete: 'Upload incomplete',
};

/** A refusal of the upload state machine as a problem document, offsets included so clients can resume. */
export function refusalError(refusal: Refusal): DomainError {
  const extensions: Record<string, unknown> = { ...(refusal.offsets ?? {}) };
  if (refusal.code === 'offset_mismatch' && refusal.offsets) {
    extensions['expected_offset'] = refusal.offsets.start_offset;
    extensions['provided_offset'] = refusal.providedOffset;
  }
  return new DomainError(refusal.status, refusal.code, TITLES[refusal.code], refusal.detail, extensions);
}
