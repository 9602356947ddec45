import { assetLabelSchema } from '@media/asset-model';
import { z } from 'zod';

/** Tags arrive as a JSON array, a repeated field already joined, or `a,b`: all become a clean list. */
const tags = z
  .union([z.array(z.string().max(64)), z.string().max(8192)])
  .transform((value) => {
    if (Array.isArray(value)) return value;
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) return parsed.map(String);
      } catch {
        // Not JSON: fall through to the comma-separated reading.
      }
    }
    return text.split(',');
  })
  .transform((list) => [...new Set(list.map((tag) => tag.trim()).filter(Boolean))])
  .pipe(z.array(z.string().max(64, 'a tag has at most 64 characters')).max(100, 'at most 100 tags'));

const text = (max: number) => z.string().max(max, `at most ${max} characters`);

/** Descriptive fields a client may set on create and update. */
export const assetMetadataSchema = z.object({
  name: text(512).min(1, 'must not be empty').optional(),
  body: text(64 * 1024).nullable().optional(),
  author: text(256).nullable().optional(),
  reference_id: text(256).nullable().optional(),
  tags: tags.optional(),
});
export type AssetMetadata = z.infer<typeof assetMetadataSchema>;

/** `file_size` as the seed sends it (a string) or as a number: a whole count of bytes either way. */
const fileSize = z.union([z.number(), z.string().regex(/^\d{1,16}$/, 'must be a whole number of bytes')]).transform(Number);

/** `POST /assets` with `upload_phase=start`. */
export const startUploadSchema = assetMetadataSchema.extend({
  upload_phase: z.literal('start'),
  file_size: fileSize,
  label: assetLabelSchema.optional(),
  original_name: text(512).optional(),
});
export type StartUploadInput = z.infer<typeof startUploadSchema>;

/** `PUT /assets/{id}` metadata (unknown fields are refused so a typo is not silently ignored). */
export const updateAssetSchema = assetMetadataSchema.strict();

/** Offsets in form fields are strings; JSON may send numbers. */
export const offsetSchema = z.union([z.number(), z.string().regex(/^\d{1,16}$/, 'must be a whole number')]).transform(Number);

/** `checksum` of one chunk: `sha256:<base64>`. */
export const chunkChecksumSchema = z.string().regex(/^sha256:[A-Za-z0-9+/]{43}=$/, 'must be sha256:<base64 of 32 bytes>');

/** `sha256` of the whole file at finish: 64 hex digits. */
export const fileSha256Schema = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits').transform((hex) => hex.toLowerCase());

/** A client file name, kept for display: path parts, control characters and excess length removed. */
export function cleanFileName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : undefined;
}
