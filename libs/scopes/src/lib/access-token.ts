import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type Principal, parseScopes, type Scope } from './scopes';
import { VerifiedTokenCache } from './verified-token.cache';

export interface TokenVerifierOptions {
  /** HS256 shared secret (at least 32 bytes). */
  hs256Secret?: string;
  /** Or an identity provider's JWKS (RS256/ES256). */
  jwksUrl?: string;
  /** Or a JWKS document given inline (tests, air-gapped installs). */
  jwks?: JSONWebKeySet;
  issuer?: string;
  audience?: string;
  /** The claim naming the tenant. */
  tenantClaim: string;
  /** Longest lifetime (`exp` − `iat`, or − now without `iat`) a token may claim; a longer-lived one is refused. */
  maxLifetimeSeconds?: number;
  /**
   * Verified tokens remembered (see `VerifiedTokenCache`): how many, and for how long at most after their
   * verification. Defaults: 10,000 tokens, 30 s. `maxEntries: 0` verifies every request.
   */
  cache?: { maxEntries?: number; maxAgeSeconds?: number };
}

/** Why a token was refused; always a 401 with `error="invalid_token"`. */
export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

const TENANT_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** Verifies bearer tokens into a Principal, with whichever key source is configured. */
export class TokenVerifier {
  private readonly verifyJwt: (token: string) => Promise<JWTPayload>;
  /**
   * A client sends the same token on every request; its signature check and claim parsing were the largest
   * part of ingest-api's own CPU per `GET /assets/{id}`. Frozen principals: one object serves many requests.
   */
  private readonly verified: VerifiedTokenCache<Principal>;

  constructor(private readonly options: TokenVerifierOptions) {
    this.verified = new VerifiedTokenCache({
      maxEntries: options.cache?.maxEntries ?? 10_000,
      maxAgeMs: (options.cache?.maxAgeSeconds ?? 30) * 1000,
    });
    const claims = { issuer: options.issuer, audience: options.audience, clockTolerance: 5 };
    if (options.hs256Secret) {
      const key = new TextEncoder().encode(options.hs256Secret);
      this.verifyJwt = async (token) => (await jwtVerify(token, key, { ...claims, algorithms: ['HS256'] })).payload;
    } else if (options.jwksUrl || options.jwks) {
      const keys = options.jwks ? createLocalJWKSet(options.jwks) : createRemoteJWKSet(new URL(options.jwksUrl as string));
      this.verifyJwt = async (token) => (await jwtVerify(token, keys, { ...claims, algorithms: ['RS256', 'ES256'] })).payload;
    } else {
      throw new Error('TokenVerifier needs an HS256 secret or a JWKS');
    }
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const known = this.verified.get(token, now);
    if (known) return known;
    const { principal, expiresAtMs } = await this.verifyUncached(token);
    this.verified.set(token, principal, now, expiresAtMs);
    return principal;
  }

  /** Forgets every verified token, e.g. after a key was withdrawn: the next request of each is verified anew. */
  forgetVerifiedTokens(): void {
    this.verified.clear();
  }

  private async verifyUncached(token: string): Promise<{ principal: Principal; expiresAtMs: number }> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyJwt(token);
    } catch (error) {
      // jose's messages ("signature verification failed", "exp claim timestamp check failed") are safe to show.
      throw new InvalidTokenError(error instanceof Error ? error.message : 'token verification failed');
    }
    if (payload.exp === undefined) throw new InvalidTokenError('token has no expiry');
    const max = this.options.maxLifetimeSeconds;
    // A leaked long-lived token is a standing credential: the issuer's say-so is not enough.
    if (max !== undefined && payload.exp - (payload.iat ?? Math.floor(Date.now() / 1000)) > max) {
      throw new InvalidTokenError(`token lives longer than ${max} seconds`);
    }
    const tenant = payload[this.options.tenantClaim];
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
      throw new InvalidTokenError(`token has no valid "${this.options.tenantClaim}" claim`);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('token has no subject string');
    const scopes = Object.freeze(parseScopes(payload['scope'] ?? payload['scp'] ?? payload['scopes']));
    return { principal: Object.freeze({ tenant, subject: payload.sub, scopes }), expiresAtMs: payload.exp * 1000 };
  }
}

export interface MintTokenInput {
  secret: string;
  tenant: string;
  scopes: readonly Scope[];
  subject?: string;
  ttlSeconds?: number;
  tenantClaim?: string;
  issuer?: string;
  audience?: string;
}

/** Mints an HS256 token, for development and tests (production tokens come from an identity provider). */
export async function mintHs256Token(input: MintTokenInput): Promise<string> {
  const jwt = new SignJWT({ [input.tenantClaim ?? 'tenant']: input.tenant, scope: input.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.subject ?? `dev-${input.tenant}`)
    .setIssuedAt()
    .setExpirationTime(`${input.ttlSeconds ?? 3600}s`);
  if (input.issuer) jwt.setIssuer(input.issuer);
  if (input.audience) jwt.setAudience(input.audience);
  return jwt.sign(new TextEncoder().encode(input.secret));
}
