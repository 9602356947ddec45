import { z } from 'zod';
import { cdnFileRoleSchema } from './asset.schema';

/** The CloudEvents `ce_type` of a message on `assets.processing-results.v1`. */
export const PROCESSING_RESULT_EVENT_TYPE = 'asset.processing-result';

export const PROCESSING_OUTCOMES = ['ready', 'failed'] as const;
export const processingOutcomeSchema = z.enum(PROCESSING_OUTCOMES);
export type ProcessingOutcome = z.infer<typeof processingOutcomeSchema>;

/** One file the encoder produced and stored; becomes one `cdn_files` item of the asset. */
export const producedFileSchema = z.object({
  /** Public id (its /cdn URL), assigned by the encoder in the same format ingest-api uses. */
  id: z.uuid(),
  /** The id storage gave the bytes. */
  storage_file_id: z.string().min(1),
  role: cdnFileRoleSchema.exclude(['original']),
  /** File name (flat, no folders): the last segment of the /cdn URL. */
  file: z.string().min(1).max(255),
  mime_type: z.string().min(1),
  size: z.number().int().nonnegative(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type ProducedFileMessage = z.infer<typeof producedFileSchema>;

/**
 * What the encoder reports for one job on `assets.processing-results.v1` (internal; key = asset id).
 * `original_file_id` is the public id of the original the job read: a result for a replaced original is
 * stale and its files are deleted instead of applied.
 */
export const processingResultSchema = z
  .object({
    /** Message id (also `ce_id`): the same result re-sent keeps its id. */
    id: z.uuid(),
    created_on: z.iso.datetime({ offset: true }),
    /** `<asset id>:<original file id>`: one job per uploaded original. */
    job_id: z.string().min(1),
    asset_id: z.string().min(1),
    tenant: z.string().min(1),
    original_file_id: z.string().min(1),
    outcome: processingOutcomeSchema,
    width: z.number().int().positive().nullable(),
    height: z.number().int().positive().nullable(),
    /** Seconds. */
    duration: z.number().nonnegative().nullable(),
    /** Bits per second (audio, video); a result from an encoder that predates the field reads as null. */
    bitrate: z.number().int().positive().nullable().default(null),
    /** Pages (documents); absent in older results, read as null. */
    page_count: z.number().int().positive().nullable().default(null),
    files: z.array(producedFileSchema),
    error: z.object({ code: z.string().min(1), message: z.string() }).nullable(),
  })
  .superRefine((result, context) => {
    // A failed job keeps nothing; a ready one has no error: the two shapes never mix.
    if (result.outcome === 'failed' && result.error === null) context.addIssue({ code: 'custom', path: ['error'], message: 'a failed result carries an error' });
    if (result.outcome === 'failed' && result.files.length > 0) context.addIssue({ code: 'custom', path: ['files'], message: 'a failed result carries no files' });
    if (result.outcome === 'ready' && result.error !== null) context.addIssue({ code: 'custom', path: ['error'], message: 'a ready result carries no error' });
    if (new Set(result.files.map((file) => file.id)).size !== result.files.length) context.addIssue({ code: 'custom', path: ['files'], message: 'file ids must be unique' });
  });
export type ProcessingResultMessage = z.infer<typeof processingResultSchema>;

/** The job identity both sides agree on: one job per asset and uploaded original. */
export function processingJobId(assetId: string, originalFileId: string): string {
  return `${assetId}:${originalFileId}`;
}
