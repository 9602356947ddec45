import { storedFileRoleSchema } from '@media/asset-model';
import { DomainError } from '@media/service-kit';
import { z } from 'zod';

/**
 * What the internal API accepts, checked once at the edge. Field names are the wire names (query
 * parameter, header or JSON member), so a 400 tells the caller exactly which input to fix.
 */

const identifier = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');

/**
 * Ids of stored files and uploads: strings, so a caller can name an upload with its own UUID and the
 * finished file keeps that id. Letters, digits, "_" and "-" only: they go into paths and part keys as is.
 */
export const STORED_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const storedId = z.string({ error: 'is required' }).regex(STORED_ID, 'must be 1-128 letters, digits, "_" or "-"');

/** A byte count from a query string: digits only, so "1e3", "-0" and " 5" are refused rather than coerced. */
const byteCount = z
  .string({ error: 'is required' })
  .regex(/^\d{1,16}$/, 'must be a non-negative integer')
  .transform(Number)
  .refine(Number.isSafeInteger, 'is too large');

const mediaType = z
  .string({ error: 'is required' })
  .max(255, 'is longer than 255 characters')
  .regex(
    /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\\\r\n]*"|[\w!#$&^.+-]+))*$/,
    'must be a media type such as "video/mp4"',
  );

const fileName = z
  .string({ error: 'is required' })
  .min(1, 'must not be empty')
  .max(1024, 'is longer than 1024 characters')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

/** `x-file-name` carries UTF-8 percent-encoded, because raw header bytes are Latin-1 on the wire. */
const percentEncodedFileName = z
  .string({ error: 'is required' })
  .transform((value, context) => {
    try {
      return decodeURIComponent(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be percent-encoded UTF-8' });
      return z.NEVER;
    }
  })
  .pipe(fileName);

const role = storedFileRoleSchema;

export const newFileRequestSchema = z
  .object({
    max_bytes: byteCount,
    'x-asset-id': identifier,
    'x-tenant': identifier,
    'x-file-name': percentEncodedFileName,
    'x-content-type': mediaType,
    'x-role': role,
  })
  .transform((input) => ({
    maxBytes: input.max_bytes,
    assetId: input['x-asset-id'],
    tenant: input['x-tenant'],
    fileName: input['x-file-name'],
    contentType: input['x-content-type'],
    role: input['x-role'],
  }));
export type NewFileRequest = z.output<typeof newFileRequestSchema>;

export const chunkTransferRequestSchema = z
  .object({
    upload_id: storedId,
    offset: byteCount,
    max_bytes: byteCount,
    // Absent means true: a caller that says nothing gets the chunk's hash, as before the flag existed.
    chunk_sha256: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).optional(),
    'x-asset-id': identifier,
    'x-tenant': identifier,
  })
  .transform((input) => ({
    uploadId: input.upload_id,
    offset: input.offset,
    maxBytes: input.max_bytes,
    chunkSha256: input.chunk_sha256 !== 'false',
    owner: { assetId: input['x-asset-id'], tenant: input['x-tenant'] },
  }));
export type ChunkTransferRequest = z.output<typeof chunkTransferRequestSchema>;

export const chunkSha256RequestSchema = z
  .object({
    upload_id: storedId,
    offset: byteCount,
    end: byteCount,
    'x-asset-id': identifier,
    'x-tenant': identifier,
  })
  .refine((input) => input.end > input.offset, { message: 'must be greater than offset', path: ['end'] })
  .transform((input) => ({
    uploadId: input.upload_id,
    offset: input.offset,
    end: input.end,
    owner: { assetId: input['x-asset-id'], tenant: input['x-tenant'] },
  }));
export type ChunkSha256Request = z.output<typeof chunkSha256RequestSchema>;

export const completeUploadRequestSchema = z
  .object({
    upload_id: storedId,
    length: z.number({ error: 'must be a number' }).int('must be an integer').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER),
    file_name: fileName,
    content_type: mediaType,
    role,
    asset_id: identifier,
    tenant: identifier,
  })
  .transform((input) => ({
    uploadId: input.upload_id,
    length: input.length,
    fileName: input.file_name,
    contentType: input.content_type,
    role: input.role,
    owner: { assetId: input.asset_id, tenant: input.tenant },
  }));
export type CompleteUploadRequest = z.output<typeof completeUploadRequestSchema>;

export const abandonUploadRequestSchema = z
  .object({
    upload_id: storedId,
    'x-asset-id': identifier,
    'x-tenant': identifier,
  })
  .transform((input) => ({ uploadId: input.upload_id, owner: { assetId: input['x-asset-id'], tenant: input['x-tenant'] } }));
export type AbandonUploadRequest = z.output<typeof abandonUploadRequestSchema>;

export const assetFilesRequestSchema = z
  .object({ asset_id: identifier, 'x-tenant': identifier })
  .transform((input) => ({ assetId: input.asset_id, tenant: input['x-tenant'] }));

/** `GET /assets/{asset_id}/files`: an asset's files, narrowed by role and by content hash. */
export const assetFileLookupRequestSchema = z
  .object({
    asset_id: identifier,
    'x-tenant': identifier,
    role: z.union([role, z.undefined()]),
    sha256: z.union([z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'), z.undefined()]),
  })
  .transform((input) => ({ owner: { assetId: input.asset_id, tenant: input['x-tenant'] }, role: input.role, sha256: input.sha256 }));
export type AssetFileLookupRequest = z.output<typeof assetFileLookupRequestSchema>;

/**
 * Every call that touches a tenant's bytes names the tenant, and only that tenant's files answer: a file id
 * alone (leaked in a log, guessed) reaches nothing.
 */
export const tenantHeaderSchema = identifier;

export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(request)',
    message: issue.message,
  }));
  throw new DomainError(
    400,
    'invalid_request',
    'Invalid request',
    errors.map((error) => `${error.field}: ${error.message}`).join('; '),
    { errors },
  );
}
