import { generateServiceKey, type PrivateServiceKey, privateServiceKeySchema, type ServiceName, serviceIdentityEnv, ServiceTokenIssuer } from '@media/service-identity';
import { importJWK, SignJWT } from 'jose';

export type ServiceIdentity = Record<ServiceName, NodeJS.ProcessEnv>;

let processIdentity: ServiceIdentity | undefined;

/**
 * The service keys of this test process (integration tier): generated once, like `npm start` and the
 * end-to-end setup do, so services under test run with authentication on exactly as in production.
 */
export function testServiceIdentity(): ServiceIdentity {
  processIdentity ??= serviceIdentityEnv();
  return processIdentity;
}

/** The identity variables of one service (its signing key, or its callers' public keys). */
export function identityEnv(service: ServiceName, identity: ServiceIdentity = testServiceIdentity()): NodeJS.ProcessEnv {
  return identity[service];
}

/** An `authorization` header value a test presents as `caller` to `audience`, as that service's client would. */
export function serviceAuthorization(caller: ServiceName, audience: ServiceName, identity: ServiceIdentity = testServiceIdentity()): Promise<string> {
  return new ServiceTokenIssuer(caller, testSigningKey(caller, identity)).authorization(audience);
}

/** A service's private signing key from an identity (for tests that build tokens the client never would). */
export function testSigningKey(service: ServiceName, identity: ServiceIdentity = testServiceIdentity()): PrivateServiceKey {
  const raw = identity[service]['SERVICE_SIGNING_KEY'];
  if (!raw) throw new Error(`${service} holds no signing key: it calls no service`);
  return privateServiceKeySchema.parse(JSON.parse(raw));
}

/** A correctly signed token of `caller` for `audience` that expired a minute ago. */
export async function expiredServiceAuthorization(caller: ServiceName, audience: ServiceName, identity: ServiceIdentity = testServiceIdentity()): Promise<string> {
  const key = testSigningKey(caller, identity);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer(caller)
    .setSubject(caller)
    .setAudience(audience)
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .sign(await importJWK(key, 'EdDSA'));
  return `Bearer ${token}`;
}

/** A token that names `caller` but is signed with a key nobody trusts. */
export async function forgedServiceAuthorization(caller: ServiceName, audience: ServiceName): Promise<string> {
  return `Bearer ${await new ServiceTokenIssuer(caller, generateServiceKey(caller)).tokenFor(audience)}`;
}
