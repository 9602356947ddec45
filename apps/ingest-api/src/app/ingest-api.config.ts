import { serviceCalleeConfigFields, serviceCallerConfigFields } from '@media/service-identity';
import { baseConfigSchema, configFields, loadConfig, refuseTestSwitchesInProduction } from '@media/service-kit';
import { z } from 'zod';

const MiB = 1024 * 1024;
/** A refill rate: fractions allowed (0.5 = one every two seconds). */
const perSecond = (fallback: number) => z.coerce.number().positive().finite().default(fallback);

export const ingestApiConfigSchema = baseConfigSchema(3000)
  .extend({
    ...serviceCallerConfigFields,
    // Its internal routes (storage's reference check) take service tokens; public routes take customers' bearer tokens.
    ...serviceCalleeConfigFields,
    JWT_HS256_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters')
      .optional()
      .describe('HS256 secret (≥ 32 characters); exactly one of this and `JWT_JWKS_URL`'),
    JWT_JWKS_URL: configFields
      .url()
      .optional()
      .describe("an identity provider's JWKS (RS256/ES256), `https://` only; `JWT_ISSUER` and `JWT_AUDIENCE` are then required"),
    JWT_JWKS_ALLOW_HTTP_LOOPBACK: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true')
      .describe('development only: allow an `http://` `JWT_JWKS_URL` on a loopback host (127.0.0.1, ::1, localhost), e.g. a local identity provider'),
    JWT_ISSUER: z.string().min(1).optional().describe('required `iss` (required with `JWT_JWKS_URL`)'),
    JWT_AUDIENCE: z.string().min(1).optional().describe('required `aud` (required with `JWT_JWKS_URL`)'),
    JWT_MAX_LIFETIME_SECONDS: configFields
      .positiveInt(24 * 60 * 60)
      .describe('tokens whose lifetime (`exp` − `iat`) exceeds this are refused with 401, whoever signed them'),
    JWT_VERIFIED_CACHE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .default(30)
      .describe("how long a verified bearer token is remembered (never past its `exp`), so a client's repeated token is not verified again on every request; a key withdrawn from the JWKS stops working at most this much later; 0 verifies every request"),
    JWT_TENANT_CLAIM: z.string().min(1).default('tenant').describe('the claim that names the tenant'),
    STORAGE_URL: configFields.url().describe('internal URL of the storage service'),
    FANOUT_URL: configFields.url().describe('internal URL of the fanout service (webhook subscriptions and deliveries)'),
    IMAGING_URL: configFields.url().describe('internal URL of the service that renders images on demand (the encoder)'),
    IMAGE_MAX_DIMENSION: configFields.positiveInt(4096).describe('largest `w_` and `h_` an on-demand image may ask for, in pixels'),
    IMAGE_SIGNING_KEY: z
      .string()
      .min(32, 'must be at least 32 characters')
      .optional()
      .describe('when set, every on-demand `{format}` must carry `s_<signature>`: HMAC-SHA256 of `<file id>/<options>` under this key, base64url, 32 characters'),
    IMAGE_PRESETS: z
      .string()
      .optional()
      .transform((value, context) => parsePresets(value, context))
      .describe('when set, only these named formats are served, e.g. `thumb=w_200,h_200;hero=w_1600,fm_webp` (the `{format}` segment is the name)'),
    PUBLIC_BASE_URL: configFields.url().describe('public origin of the gateway; `cdn_files` URLs start with it'),
    UPLOAD_CHUNK_SIZE: configFields.positiveInt(50 * MiB).describe('chunk size suggested through `end_offset`'),
    UPLOAD_MAX_CHUNK_SIZE: configFields.positiveInt(100 * MiB).describe('largest chunk one transfer may carry'),
    UPLOAD_MAX_FILE_SIZE: configFields.positiveInt(20 * 1024 * MiB).describe('largest file, resumable or one-request'),
    UPLOAD_TTL_SECONDS: configFields.positiveInt(24 * 60 * 60).describe('an unfinished upload expires after this'),
    UPLOAD_LEASE_SECONDS: configFields.positiveInt(30).describe('how long a transfer holds its upload without renewing (renewed while bytes flow)'),
    UPLOAD_EXPIRY_SWEEP_SECONDS: configFields.positiveInt(60).describe('how often expired uploads are looked for'),
    RATE_LIMIT_READS_PER_SECOND: perSecond(100).describe('per tenant: GET/HEAD requests the bucket regains each second (shared by all replicas)'),
    RATE_LIMIT_READS_BURST: configFields.positiveInt(2000).describe('per tenant: GET/HEAD requests the bucket holds (a burst); past it, 429 `rate_limited`'),
    RATE_LIMIT_WRITES_PER_SECOND: perSecond(50).describe('per tenant: POST/PUT/PATCH/DELETE requests the bucket regains each second'),
    RATE_LIMIT_WRITES_BURST: configFields.positiveInt(1000).describe('per tenant: POST/PUT/PATCH/DELETE requests the bucket holds'),
    RATE_LIMIT_UPLOAD_BYTES_PER_SECOND: perSecond(1024 * MiB).describe('per tenant: request-body bytes (by `Content-Length`) the bucket regains each second'),
    RATE_LIMIT_UPLOAD_BYTES_BURST: configFields.positiveInt(20 * 1024 * MiB).describe('per tenant: request-body bytes the bucket holds; a larger body passes only on a full bucket'),
    CONSOLE_DIR: z
      .string()
      .min(1)
      .optional()
      .describe('folder of the built media console served at `/console`; by default `console` next to the folder of the running build (`dist/apps/console`)'),
    TUS_CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean))
      .describe('comma-separated origins (e.g. `https://app.example.com`) whose browsers may call `/tus` cross-origin; `*` for any; empty for none'),
    DIRECT_UPLOAD_SIGNING_KEY: z
      .string()
      .min(32, 'must be at least 32 characters')
      .optional()
      .describe('HS256 key of direct-upload tokens (`POST /uploads`); derived from `JWT_HS256_SECRET` when unset; with `JWT_JWKS_URL` and no key, direct uploads are off'),
    DIRECT_UPLOAD_TTL_SECONDS: configFields.positiveInt(60 * 60).describe('how long a direct-upload URL and token stay valid'),
    OUTBOX_MAX_PENDING_EVENTS: configFields
      .positiveInt(100)
      .describe('events of one asset waiting for Kafka; a change that would add more is refused with 429 `pending_events_limit` (the outbox cannot grow without end while Kafka is away)'),
    /**
     * Test-only failpoint, off unless set: `hang-after-publish` stops the outbox relay for good after Kafka
     * acknowledged a batch and before the events are removed, so a test can kill the process exactly there.
     */
    OUTBOX_FAILPOINT: z
      .enum(['hang-after-publish'])
      .optional()
      .describe('tests only, refused with `NODE_ENV=production`: `hang-after-publish` stops the outbox relay after Kafka acknowledged a batch and before its events are removed'),
  })
  .superRefine((config, context) => {
    if (!config.JWT_HS256_SECRET === !config.JWT_JWKS_URL) {
      context.addIssue({ code: 'custom', path: ['JWT_HS256_SECRET'], message: 'set exactly one of JWT_HS256_SECRET and JWT_JWKS_URL' });
    }
    if (config.JWT_JWKS_URL) {
      // Keys fetched over plain HTTP can be swapped by anyone on the path, and then every token verifies.
      const url = new URL(config.JWT_JWKS_URL);
      const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
      if (url.protocol !== 'https:' && !(config.JWT_JWKS_ALLOW_HTTP_LOOPBACK && loopback)) {
        context.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'must be https (http only on loopback with JWT_JWKS_ALLOW_HTTP_LOOPBACK=true)' });
      }
      for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
        if (!config[name]) context.addIssue({ code: 'custom', path: [name], message: 'is required with JWT_JWKS_URL' });
      }
    }
    if (config.UPLOAD_CHUNK_SIZE > config.UPLOAD_MAX_CHUNK_SIZE) {
      context.addIssue({ code: 'custom', path: ['UPLOAD_CHUNK_SIZE'], message: 'must not exceed UPLOAD_MAX_CHUNK_SIZE' });
    }
  })
  .superRefine(refuseTestSwitchesInProduction('OUTBOX_FAILPOINT'));

/** `name=options;name=options`: names are lowercase words; the options are checked when the gateway starts. */
function parsePresets(value: string | undefined, context: z.RefinementCtx): Record<string, string> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const presets: Record<string, string> = {};
  for (const entry of value.split(';').map((piece) => piece.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9-]{0,31})=([a-z0-9_,]+)$/.exec(entry);
    if (!match) {
      context.addIssue({ code: 'custom', message: `"${entry}" is not name=options (e.g. thumb=w_200,h_200)` });
      return z.NEVER;
    }
    presets[match[1]] = match[2];
  }
  return presets;
}

export type IngestApiConfig = z.infer<typeof ingestApiConfigSchema>;

export function loadIngestApiConfig(env: NodeJS.ProcessEnv = process.env): IngestApiConfig {
  return loadConfig(ingestApiConfigSchema, env);
}
