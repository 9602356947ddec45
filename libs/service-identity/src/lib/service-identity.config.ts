import { z } from 'zod';
import { jsonEnv, privateServiceKeySchema, trustedKeysSchema } from './service-key';
import { SERVICE_TOKEN_MAX_LIFETIME_SECONDS, SERVICE_TOKEN_TTL_SECONDS } from './service-token';

/** Variables of a service that calls other services (ingest-api, encoder, storage). */
export const serviceCallerConfigFields = {
  SERVICE_SIGNING_KEY: jsonEnv(privateServiceKeySchema).describe(
    'this service\'s Ed25519 private key as a JWK (`{"kty":"OKP","crv":"Ed25519","x":…,"d":…,"kid":…}`); it signs the short-lived tokens presented to the services it calls (storage, fanout, the encoder\'s image renderer, ingest-api\'s internal routes). Rotate by adding the new public key to the callees\' `SERVICE_TRUSTED_KEYS` first',
  ),
  SERVICE_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(SERVICE_TOKEN_MAX_LIFETIME_SECONDS)
    .default(SERVICE_TOKEN_TTL_SECONDS)
    .describe('lifetime of the service tokens this service mints (renewed at half-life)'),
};

/** Variables of a service that is called by others (storage, fanout, ingest-api, encoder). */
export const serviceCalleeConfigFields = {
  SERVICE_TRUSTED_KEYS: jsonEnv(trustedKeysSchema).describe(
    'public keys of the calling services as JSON, `{"<caller>":[jwk,…],…}` (storage: `ingest-api`, `encoder`; fanout: `ingest-api`; ingest-api: `storage`; encoder: `ingest-api`); a token is accepted only with a key listed under its issuer. List two keys of a caller while rotating',
  ),
};
