import { type PrivateServiceKey, privateServiceKeySchema, type ServiceName, serviceIdentityEnv, ServiceTokenIssuer } from '@media/service-identity';

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
  const raw = identity[caller]['SERVICE_SIGNING_KEY'];
  if (!raw) throw new Error(`${caller} holds no signing key: it calls no service`);
  const key: PrivateServiceKey = privateServiceKeySchema.parse(JSON.parse(raw));
  return new ServiceTokenIssuer(caller, key).authorization(audience);
}
