import { z } from 'zod';
import { assetSchema } from './asset.schema';

export const ASSET_EVENT_TYPES = ['asset.created', 'asset.uploaded', 'asset.changed', 'asset.deleted'] as const;
export const assetEventTypeSchema = z.enum(ASSET_EVENT_TYPES);
export type AssetEventType = z.infer<typeof assetEventTypeSchema>;

/** The envelope on `assets.events.v1` and in webhook bodies. Key = asset id. */
export const assetEventEnvelopeSchema = z.object({
  id: z.uuid(),
  created_on: z.iso.datetime({ offset: true }),
  event: assetEventTypeSchema,
  tenant: z.string().min(1),
  performed_by: z.string().min(1),
  payload: assetSchema,
});
export type AssetEventEnvelope = z.infer<typeof assetEventEnvelopeSchema>;
