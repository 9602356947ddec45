import type { CanonicalGravity, ImageOutputFormat } from '@media/asset-model';

/**
 * Ingest-api → encoder, `POST /internal/variants`: render one image variant (once across replicas), store
 * it in storage under `variant_id` and answer when it exists. Only ingest-api's service token is accepted:
 * the request names any tenant's stored file, and each render costs CPU.
 *
 * With `stream: true` the request that renders gets the image itself as the answer (`Content-Type`
 * image/*, `Content-Length`, and the `ETag` storage will give the stored file), sent while the same bytes
 * go to storage: the client's first answer does not wait for the store and a read back. A request that
 * did not render (stored already, or rendered by another request meanwhile) gets the JSON answer, and
 * reads the variant from storage as usual.
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
  /** Answer with the rendered bytes when this request renders them (see above). */
  stream?: boolean;
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

/**
 * The strong entity tag storage gives a stored file: its id and the SHA-256 of its bytes. The renderer
 * sends the same tag with a variant's first answer, so a client's later conditional request matches.
 */
export function storedFileEntityTag(fileId: string, sha256: string): string {
  return `"${fileId}-${sha256}"`;
}
