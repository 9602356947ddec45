import { z } from 'zod';

/** Most ids one reference check may ask about; storage's garbage collector asks in batches of this. */
export const MAX_REFERENCE_CHECK_IDS = 1000;

/**
 * Storage → ingest-api, `POST /internal/asset-references`: which of these stored ids (GridFS file ids or
 * upload ids) does the asset still reference? The catalog is ingest-api's; storage never deletes a byte
 * without asking it. An asset that does not exist (or was deleted) references nothing.
 */
export const assetReferencesRequestSchema = z.strictObject({
  tenant: z.string().min(1).max(256),
  asset_id: z.string().min(1).max(256),
  ids: z.array(z.string().min(1).max(256)).min(1).max(MAX_REFERENCE_CHECK_IDS),
});
export type AssetReferencesRequest = z.infer<typeof assetReferencesRequestSchema>;

export const assetReferencesResponseSchema = z.object({
  /** The subset of the asked ids the asset references. */
  referenced: z.array(z.string()),
});
export type AssetReferencesResponse = z.infer<typeof assetReferencesResponseSchema>;

/** The path of the check on ingest-api (internal: not in the public API document). */
export const ASSET_REFERENCES_PATH = '/internal/asset-references';
