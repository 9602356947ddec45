import { z } from 'zod';

/** Kinds of asset, decided from the bytes (magic numbers), never from the client's claims. */
export const ASSET_LABELS = ['Photo', 'Video', 'Audio', 'Document', 'File'] as const;
export const assetLabelSchema = z.enum(ASSET_LABELS);
export type AssetLabel = z.infer<typeof assetLabelSchema>;

export const ASSET_STATUSES = ['uploading', 'processing', 'ready', 'failed'] as const;
export const assetStatusSchema = z.enum(ASSET_STATUSES);
export type AssetStatus = z.infer<typeof assetStatusSchema>;

export const CDN_FILE_ROLES = ['original', 'rendition', 'hls', 'poster', 'thumbnail', 'preview', 'waveform'] as const;
export const cdnFileRoleSchema = z.enum(CDN_FILE_ROLES);
export type CdnFileRole = z.infer<typeof cdnFileRoleSchema>;

/**
 * Roles of files in storage: the listed ones plus `variant`, an image rendered on demand from one of them
 * (never listed in `cdn_files`; reached through `format_url`, removed with its asset).
 */
export const STORED_FILE_ROLES = [...CDN_FILE_ROLES, 'variant'] as const;
export const storedFileRoleSchema = z.enum(STORED_FILE_ROLES);
export type StoredFileRole = z.infer<typeof storedFileRoleSchema>;

const timestamp = z.iso.datetime({ offset: true });

export const cdnFileSchema = z.object({
  id: z.string().min(1),
  created_on: timestamp,
  label: z.literal('CdnFile'),
  role: cdnFileRoleSchema,
  file: z.string(),
  mime_type: z.string(),
  size: z.number().int().nonnegative(),
  url: z.url(),
  format_url: z
    .string()
    .includes('{format}')
    .optional()
    .describe('images only: `url` with a literal `{format}` segment before the name, to replace with options such as `w_400,fm_webp`'),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type CdnFile = z.infer<typeof cdnFileSchema>;

export const uploadOffsetsSchema = z.object({
  start_offset: z.number().int().nonnegative(),
  end_offset: z.number().int().nonnegative(),
  file_size: z.number().int().positive(),
  chunk_size: z.number().int().positive(),
  expires_on: timestamp,
});

/** The asset as it appears on the wire: in HTTP responses, event payloads and webhooks. */
export const assetSchema = z.object({
  id: z.string().min(1),
  created_on: timestamp,
  changed_on: timestamp,
  label: assetLabelSchema,
  name: z.string(),
  body: z.string().nullable(),
  author: z.string().nullable(),
  reference_id: z.string().nullable(),
  tags: z.array(z.string()),
  status: assetStatusSchema,
  original_name: z.string().nullable(),
  mime_type: z.string().nullable(),
  file_size: z.number().int().nonnegative().nullable(),
  checksum: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  duration: z.number().nonnegative().nullable(),
  /** Documents: how many pages the processing counted; null for other kinds or before processing. */
  page_count: z.number().int().positive().nullable(),
  /** Audio and video: overall bits per second the processing measured; null otherwise or before. */
  bitrate: z.number().int().positive().nullable(),
  upload: uploadOffsetsSchema.optional(),
  cdn_files: z.object({ total: z.number().int().nonnegative(), items: z.array(cdnFileSchema) }),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type Asset = z.infer<typeof assetSchema>;
