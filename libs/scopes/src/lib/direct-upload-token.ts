import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { InvalidTokenError } from './access-token';
import type { Principal } from './scopes';

/**
 * The JWT type of a direct-upload token. The gateway tells the two kinds of token apart by it before
 * verifying, and signs these with a key of their own, so one can never pass for an API token.
 */
export const DIRECT_UPLOAD_TOKEN_TYPE = 'direct-upload+jwt';
/** The audience every direct-upload token carries; a token without it is refused. */
export const DIRECT_UPLOAD_AUDIENCE = 'direct-upload';

/** What a direct-upload token allows: creating and uploading the one asset it names, nothing else. */
export interface DirectUploadGrant {
  /** The asset id reserved for the upload. */
  assetId: string;
  /** The largest file the upload may declare. */
  maxSize: number;
  /** Labels the file may turn out to be; empty means any. */
  allowedLabels: string[];
  /** Metadata the issuing backend fixed for the asset (name, author, reference id, tags, label). */
  metadata: Record<string, unknown>;
}

export interface DirectUploadPrincipal extends Principal {
  directUpload: DirectUploadGrant;
}

export interface MintDirectUploadInput extends DirectUploadGrant {
  tenant: string;
  /** Who asked for the upload URL: the events of the upload name them. */
  subject: string;
  ttlSeconds: number;
}

/** True when the bearer token is a direct-upload token (by its header; the signature is checked later). */
export function isDirectUploadToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === DIRECT_UPLOAD_TOKEN_TYPE;
  } catch {
    return false;
  }
}

/** Mints and verifies direct-upload tokens with the gateway's own HS256 key. */
export class DirectUploadTokens {
  private readonly key: Uint8Array;

  constructor(key: string | Uint8Array) {
    this.key = typeof key === 'string' ? new TextEncoder().encode(key) : key;
    if (this.key.length < 32) throw new Error('a direct-upload signing key needs at least 32 bytes');
  }

  async mint(input: MintDirectUploadInput): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + input.ttlSeconds;
    const token = await new SignJWT({
      tenant: input.tenant,
      upload_asset: input.assetId,
      max_size: input.maxSize,
      allowed_labels: input.allowedLabels,
      metadata: input.metadata,
    })
      .setProtectedHeader({ alg: 'HS256', typ: DIRECT_UPLOAD_TOKEN_TYPE })
      .setSubject(input.subject)
      .setAudience(DIRECT_UPLOAD_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /** The principal the token stands for: its tenant, no scope at all, and the one asset it may upload. */
  async verify(token: string): Promise<DirectUploadPrincipal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: DIRECT_UPLOAD_AUDIENCE,
        typ: DIRECT_UPLOAD_TOKEN_TYPE,
        clockTolerance: 5,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new InvalidTokenError(error instanceof Error ? error.message : 'token verification failed');
    }
    const { tenant, sub, upload_asset: assetId, max_size: maxSize, allowed_labels: allowedLabels, metadata } = payload;
    if (
      typeof tenant !== 'string' ||
      typeof sub !== 'string' ||
      typeof assetId !== 'string' ||
      typeof maxSize !== 'number' ||
      !Array.isArray(allowedLabels) ||
      !allowedLabels.every((label) => typeof label === 'string') ||
      typeof metadata !== 'object' ||
      metadata === null
    ) {
      throw new InvalidTokenError('not a well-formed direct-upload token');
    }
    return {
      tenant,
      subject: sub,
      scopes: [],
      directUpload: { assetId, maxSize, allowedLabels: allowedLabels as string[], metadata: metadata as Record<string, unknown> },
    };
  }
}
