import { GRAVITIES, IMAGE_OUTPUT_FORMATS } from '@media/asset-model';
import { z } from 'zod';

const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');
const dimension = z.number().int().positive().max(100_000).optional();

/** `POST /internal/variants` as the gateway sends it: options already checked there, checked again here. */
export const variantRenderRequestSchema = z.object({
  asset_id: identifier,
  tenant: identifier,
  source_file_id: identifier,
  variant_id: z.string().regex(/^var-[0-9a-f]{64}$/, 'must be var- and 64 hex digits'),
  width: dimension,
  height: dimension,
  quality: z.number().int().min(1).max(100).optional(),
  gravity: z.enum(GRAVITIES).transform((gravity) => (gravity === 'centre' ? 'center' : gravity)),
  format: z.enum(IMAGE_OUTPUT_FORMATS),
  stream: z.boolean().optional(),
});
export type VariantRenderRequest = z.output<typeof variantRenderRequestSchema>;
