import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from './service-names';

/**
 * Ed25519 keys as JWKs. EdDSA: verifiers hold only public keys, so a compromised storage cannot mint
 * tokens that fanout would take for the gateway's (a shared HS256 secret would allow exactly that), and
 * keys and signatures are small and fast with no parameter choices to get wrong (unlike ES256's nonces).
 */
const publicJwkShape = {
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url Ed25519 public key'),
  kid: z.string().min(1).max(128),
};
export const publicServiceKeySchema = z.object(publicJwkShape);
export const privateServiceKeySchema = z.object({ ...publicJwkShape, d: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url Ed25519 private key') });
export type PublicServiceKey = z.infer<typeof publicServiceKeySchema>;
export type PrivateServiceKey = z.infer<typeof privateServiceKeySchema>;

/** Callers' public keys by service; several per caller while a key is being rotated. */
export const trustedKeysSchema = z
  .partialRecord(z.enum(SERVICE_NAMES), z.array(publicServiceKeySchema).min(1).max(8))
  .refine((keys) => Object.keys(keys).length > 0, 'must name at least one calling service');
export type TrustedKeys = z.infer<typeof trustedKeysSchema>;

/** A JSON environment variable, parsed then checked, so a typo fails at boot with the variable's name. */
export function jsonEnv<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A fresh key pair (key ids are unique so a rotation never confuses an old key with its successor). */
export function generateServiceKey(service: ServiceName): PrivateServiceKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return privateServiceKeySchema.parse({ ...jwk, kid: `${service}-${randomUUID()}` });
}

export function publicPart(key: PrivateServiceKey): PublicServiceKey {
  return { kty: key.kty, crv: key.crv, x: key.x, kid: key.kid };
}

/** Who calls whom over HTTP inside the suite: the only flows a service key is good for. */
export const INTERNAL_CALLS: Readonly<Record<ServiceName, readonly ServiceName[]>> = {
  // The encoder renders images on demand for ingest-api (POST /internal/variants).
  'ingest-api': ['storage', 'fanout', 'encoder'],
  encoder: ['storage'],
  // The garbage collector asks ingest-api which stored ids assets still reference.
  storage: ['ingest-api'],
  fanout: [],
};

/**
 * The service-identity environment of each service for one fresh set of keys: callers get their signing
 * key, callees the public keys of their callers. `npm start` and the test harness use this; production
 * takes the same variables from Secrets.
 */
export function serviceIdentityEnv(): Record<ServiceName, NodeJS.ProcessEnv> {
  const keys = new Map<ServiceName, PrivateServiceKey>();
  for (const service of SERVICE_NAMES) if (INTERNAL_CALLS[service].length > 0) keys.set(service, generateServiceKey(service));
  const env = Object.fromEntries(SERVICE_NAMES.map((service) => [service, {} as NodeJS.ProcessEnv])) as Record<ServiceName, NodeJS.ProcessEnv>;
  for (const service of SERVICE_NAMES) {
    const own = keys.get(service);
    if (own) env[service]['SERVICE_SIGNING_KEY'] = JSON.stringify(own);
    const callers = SERVICE_NAMES.filter((caller) => INTERNAL_CALLS[caller].includes(service));
    if (callers.length > 0) {
      env[service]['SERVICE_TRUSTED_KEYS'] = JSON.stringify(Object.fromEntries(callers.map((caller) => [caller, [publicPart(keys.get(caller) as PrivateServiceKey)]])));
    }
  }
  return env;
}
