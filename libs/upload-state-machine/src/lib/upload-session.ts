/**
 * The resumable upload of one asset as pure data. Times are epoch milliseconds so the machine never reads
 * a clock: the caller passes `now`, which is what makes every transition testable.
 */
export type UploadStatus = 'uploading' | 'processing' | 'ready' | 'failed';

export interface TransferLease {
  /** Identifies the request that holds the lease; only it may commit or abort. */
  id: string;
  startOffset: number;
  /** A transfer whose process died stops blocking the upload once its lease runs out. */
  leaseUntil: number;
}

export interface UploadSession {
  status: UploadStatus;
  fileSize: number;
  /** Bytes committed so far: the next chunk's `start_offset`. */
  received: number;
  /** The suggested chunk size (what `end_offset` advertises). */
  chunkSize: number;
  /** The largest chunk the server accepts in one transfer. */
  maxChunkSize: number;
  expiresAt: number;
  /** True once the TTL ran out and the bytes were given up; every later command answers 410. */
  expired: boolean;
  transfer: TransferLease | null;
}

export interface UploadOffsets {
  start_offset: number;
  end_offset: number;
  file_size: number;
}

/** What a client is told to send next (the resumable upload rules in the README). */
export function offsetsOf(session: Pick<UploadSession, 'received' | 'chunkSize' | 'fileSize'>): UploadOffsets {
  return {
    start_offset: session.received,
    end_offset: Math.min(session.received + session.chunkSize, session.fileSize),
    file_size: session.fileSize,
  };
}

export interface ChunkAllowance {
  /** The most bytes the next chunk may carry; storage stops reading past it. */
  maxBytes: number;
  /** Which refusal applies when a chunk goes past `maxBytes`. */
  overflowCode: 'chunk_too_large' | 'chunk_exceeds_file_size';
}

/** How many bytes the next chunk may carry: the smaller of the chunk limit and what is left of the file. */
export function chunkAllowance(session: Pick<UploadSession, 'received' | 'fileSize' | 'maxChunkSize'>): ChunkAllowance {
  const remaining = session.fileSize - session.received;
  return remaining <= session.maxChunkSize
    ? { maxBytes: remaining, overflowCode: 'chunk_exceeds_file_size' }
    : { maxBytes: session.maxChunkSize, overflowCode: 'chunk_too_large' };
}
