import { createHmac } from 'node:crypto';
import { DirectUploadTokens } from '@media/scopes';
import type { IngestApiConfig } from '../ingest-api.config';

export const DIRECT_UPLOAD_TOKENS = Symbol('DIRECT_UPLOAD_TOKENS');

/**
 * The gateway's direct-upload signer, or null when none can be had (an identity provider's JWKS and no
 * key of our own). Derived from the HS256 secret when no key is set: a different key, so a direct-upload
 * token never verifies as an API token, and one secret less to configure.
 */
export function directUploadTokensFrom(config: Pick<IngestApiConfig, 'DIRECT_UPLOAD_SIGNING_KEY' | 'JWT_HS256_SECRET'>): DirectUploadTokens | null {
  if (config.DIRECT_UPLOAD_SIGNING_KEY) return new DirectUploadTokens(config.DIRECT_UPLOAD_SIGNING_KEY);
  if (config.JWT_HS256_SECRET) return new DirectUploadTokens(createHmac('sha256', config.JWT_HS256_SECRET).update('direct-upload tokens').digest());
  return null;
}
