/**
 * The GridFS layout every reader of our bytes relies on. The chunk size is a constant, not configuration:
 * resumable uploads place chunk docs at `n = offset / chunk size`, so changing it while uploads are open
 * would corrupt them (finished files record their own `chunkSize`, so reads never depend on it).
 */
export const GRIDFS_BUCKET = 'fs';
export const GRIDFS_CHUNK_SIZE = 262_144;

export const COLLECTIONS = {
  files: `${GRIDFS_BUCKET}.files`,
  chunks: `${GRIDFS_BUCKET}.chunks`,
  /** One document per resumable upload that received a chunk, so deleting an asset can find its unfinished bytes. */
  uploads: 'uploads',
  /** The sub-chunk tail and hash state at the offset each transfer ended at. */
  uploadParts: 'upload_parts',
} as const;
