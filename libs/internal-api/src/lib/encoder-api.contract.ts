import type { CanonicalGravity, ImageOutputFormat } from '@media/asset-model';

/**
 * Ingest-api → encoder, `POST /internal/variants`: render one image variant (once across replicas), store
 * it in storage under `variant_id` and answer when it exists. Only ingest-api's service token is accepted:
 * the request names any tenant's stored file, and each render costs CPU.
 */
export interface VariantRenderRequest {
  asset_id: string;
  tenant: string;
  source_file_id: string;
  variant_id: string;
  width?: number;
  height?: number;
  quality?: number;
  gravity: CanonicalGravity;
  format: ImageOutputFormat;
}

export interface RenderedVariant {
  variant_id: string;
  size: number;
  width: number;
  height: number;
  /** False when another request (of any replica) rendered it and this one waited for it. */
  rendered: boolean;
}

/** The path of the render route on the encoder (internal: not in the public API document). */
export const VARIANTS_PATH = '/internal/variants';

/** The name under which the encoder's callers address it in their service tokens (`aud`). */
export const ENCODER_AUDIENCE = 'encoder';
