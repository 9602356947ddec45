import type { CdnFileRole } from '@media/asset-model';

/**
 * Storage's internal HTTP API, written down once: the routes, the headers that carry a file's identity and
 * the answers. Storage's controllers and every client read these names from here, so a rename is a
 * compile error on both sides instead of a silent 400.
 */
export const STORAGE_HEADERS = {
  assetId: 'x-asset-id',
  tenant: 'x-tenant',
  role: 'x-role',
  fileName: 'x-file-name',
  contentType: 'x-content-type',
} as const;

export const STORAGE_ROUTES = {
  /** POST: one-request upload of a whole file (`max_bytes` query). */
  files: '/files',
  /** GET/HEAD: stream a file (Range, If-None-Match); DELETE: remove it. */
  file: (fileId: string) => `/files/${encodeURIComponent(fileId)}`,
  /** GET: the asset's files (`role`, `sha256` filters); DELETE: all of them. */
  assetFiles: (assetId: string) => `/assets/${encodeURIComponent(assetId)}/files`,
  /** PUT: one chunk of a resumable upload (`offset`, `max_bytes`, optional `chunk_sha256=false` query). */
  uploadChunks: (uploadId: string) => `/uploads/${encodeURIComponent(uploadId)}/chunks`,
  /** GET: SHA-256 of the bytes a transfer stored, `offset` to `end` (query), read back from the database. */
  uploadChunkSha256: (uploadId: string) => `/uploads/${encodeURIComponent(uploadId)}/chunks/sha256`,
  /** POST: turn the received chunks into an ordinary file. */
  uploadComplete: (uploadId: string) => `/uploads/${encodeURIComponent(uploadId)}/complete`,
} as const;

/** The name under which storage's callers address it in their service tokens (`aud`). */
export const STORAGE_AUDIENCE = 'storage';

/** Answer of a one-request upload and of completing a resumable one (201). */
export interface StoredFileResult {
  file_id: string;
  length: number;
  sha256: string;
}

/** Answer of one stored chunk (200). */
export interface ChunkResult {
  bytes: number;
  start_offset: number;
  end_offset: number;
  /** Base64 SHA-256 of the chunk; absent when the caller sent `chunk_sha256=false`. */
  chunk_sha256?: string;
}

/** Answer of `GET /uploads/:id/chunks/sha256` (200). */
export interface ChunkSha256Result {
  chunk_sha256: string;
}

/** Body of `POST /uploads/:id/complete`. */
export interface CompleteUploadBody {
  length: number;
  file_name: string;
  content_type: string;
  role: CdnFileRole;
  asset_id: string;
  tenant: string;
}

/** One entry of `GET /assets/:id/files`. */
export interface AssetFileEntry {
  file_id: string;
}

export interface AssetFilesList {
  items: AssetFileEntry[];
}
