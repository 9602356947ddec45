/** The upload's decisions that need no I/O. */

/** One request below this size: a resumable upload costs three requests more than it saves on a small file. */
export const DEFAULT_RESUMABLE_THRESHOLD = 16 * 1024 * 1024;
/** The server's suggested chunk size (it answers its own in `upload.chunk_size`; this is only the fallback). */
export const DEFAULT_CHUNK_SIZE = 50 * 1024 * 1024;

export type UploadMode = 'single' | 'resumable';

/**
 * Resumable when the size is known and reaches the threshold (or when asked); a stream of unknown size can
 * only go in one request, since a resumable upload declares its size when it starts.
 */
export function chooseUploadMode(size: number | undefined, threshold: number, forced?: UploadMode): UploadMode {
  if (size === undefined) return 'single';
  if (forced) return forced;
  return size >= threshold ? 'resumable' : 'single';
}

/** The next chunk's end: the chunk size from `offset`, never past the file. */
export function chunkEnd(offset: number, chunkSize: number, size: number): number {
  return Math.min(offset + chunkSize, size);
}

/** The key of a resume entry: the same file sent to another API (or by another tenant's config) is another upload. */
export function resumeKey(baseUrl: string, fileIdentity: string): string {
  return `${baseUrl.replace(/\/+$/, '')} ${fileIdentity}`;
}

/** What to do with a remembered asset, from its `GET /assets/{id}/multipart` status. */
export type ResumeVerdict = 'resume' | 'check-finished' | 'start-over';

export function resumeVerdict(progressStatus: number): ResumeVerdict {
  if (progressStatus === 200) return 'resume';
  // Not uploading any more: an earlier run finished it but stopped before forgetting it.
  if (progressStatus === 409) return 'check-finished';
  // Gone (deleted, expired and collected) or never ours: a new upload.
  if (progressStatus === 404 || progressStatus === 410) return 'start-over';
  throw new RangeError(`unexpected HTTP ${progressStatus} while reading upload progress`);
}
