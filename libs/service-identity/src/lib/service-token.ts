import { decodeJwt, decodeProtectedHeader, importJWK, type JWTPayload, jwtVerify, type KeyLike, SignJWT } from 'jose';
import type { PrivateServiceKey, TrustedKeys } from './service-key';
import { isServiceName, type ServiceName } from './service-names';

/** How long a minted token lives: short, so a leaked one is soon worthless. */
export const SERVICE_TOKEN_TTL_SECONDS = 60;
/** The longest lifetime a verifier accepts, whatever a token claims: a stolen signing key cannot mint long-lived tokens. */
export const SERVICE_TOKEN_MAX_LIFETIME_SECONDS = 300;
/** Clocks of two pods may disagree this much. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** Why a service token was refused; always a 401. */
export class InvalidServiceTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidServiceTokenError';
  }
}

/** Mints the tokens one service presents to the others: `iss`=`sub`=itself, `aud`=the callee. */
export class ServiceTokenIssuer {
  private readonly cache = new Map<ServiceName, { token: string; renewAt: number }>();
  private key: Promise<KeyLike | Uint8Array> | undefined;

  constructor(
    readonly service: ServiceName,
    private readonly signingKey: PrivateServiceKey,
    private readonly ttlSeconds: number = SERVICE_TOKEN_TTL_SECONDS,
  ) {}

  /** A token for `audience`, reused until half its life has passed (one signature per 30 s, not per request). */
  async tokenFor(audience: ServiceName): Promise<string> {
    const now = Date.now();
    const cached = this.cache.get(audience);
    if (cached && cached.renewAt > now) return cached.token;
    this.key ??= importJWK(this.signingKey, 'EdDSA');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: this.signingKey.kid, typ: 'JWT' })
      .setIssuer(this.service)
      .setSubject(this.service)
      .setAudience(audience)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + this.ttlSeconds)
      .sign(await this.key);
    this.cache.set(audience, { token, renewAt: now + (this.ttlSeconds * 1000) / 2 });
    return token;
  }

  /** The `authorization` header value for a call to `audience`. */
  async authorization(audience: ServiceName): Promise<string> {
    return `Bearer ${await this.tokenFor(audience)}`;
  }
}

/**
 * Checks service tokens addressed to one service. A key is trusted only for the service it is listed
 * under, so a caller cannot present its own key with another service's name in `iss`.
 */
export class ServiceTokenVerifier {
  private readonly keys = new Map<string, { owner: ServiceName; key: Promise<KeyLike | Uint8Array> }>();

  constructor(
    readonly audience: ServiceName,
    trusted: TrustedKeys,
    private readonly maxLifetimeSeconds: number = SERVICE_TOKEN_MAX_LIFETIME_SECONDS,
  ) {
    for (const [owner, keys] of Object.entries(trusted) as [ServiceName, TrustedKeys[ServiceName]][]) {
      for (const key of keys ?? []) this.keys.set(`${owner}\n${key.kid}`, { owner, key: importJWK(key, 'EdDSA') });
    }
  }

  /** The calling service, or InvalidServiceTokenError. */
  async verify(token: string): Promise<ServiceName> {
    let kid: string | undefined;
    let claimed: JWTPayload;
    try {
      kid = decodeProtectedHeader(token).kid;
      claimed = decodeJwt(token);
    } catch {
      throw new InvalidServiceTokenError('the token is not a JWT');
    }
    if (!isServiceName(claimed.iss)) throw new InvalidServiceTokenError('the token names no known service as its issuer');
    const trusted = kid === undefined ? undefined : this.keys.get(`${claimed.iss}\n${kid}`);
    if (!trusted) throw new InvalidServiceTokenError(`no trusted key of ${claimed.iss} has the token's key id`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await trusted.key, {
        algorithms: ['EdDSA'],
        issuer: trusted.owner,
        subject: trusted.owner,
        audience: this.audience,
        requiredClaims: ['iat', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: this.maxLifetimeSeconds,
      }));
    } catch (error) {
      // jose's reasons ("signature verification failed", "\"exp\" claim timestamp check failed") are safe to show.
      throw new InvalidServiceTokenError(error instanceof Error ? error.message : 'token verification failed');
    }
    if ((payload.exp as number) - (payload.iat as number) > this.maxLifetimeSeconds) {
      throw new InvalidServiceTokenError(`the token lives longer than ${this.maxLifetimeSeconds} s`);
    }
    return trusted.owner;
  }
}
