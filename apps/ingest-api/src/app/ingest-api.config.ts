import { baseConfigSchema, configFields, loadConfig } from '@media/service-kit';
import { z } from 'zod';

const MiB = 1024 * 1024;

export const ingestApiConfigSchema = baseConfigSchema(3000)
  .extend({
    /** HS256 secret for bearer tokens (≥ 32 bytes), or use JWT_JWKS_URL for an identity provider. */
    JWT_HS256_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_JWKS_URL: configFields.url().optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    JWT_TENANT_CLAIM: z.string().min(1).default('tenant'),
    /** Where the storage service listens (internal). */
    STORAGE_URL: configFields.url(),
    /** Where the fanout service listens (internal); it owns webhook subscriptions and deliveries. */
    FANOUT_URL: configFields.url(),
    /** The public origin clients reach the gateway at; cdn_files URLs start with it. */
    PUBLIC_BASE_URL: configFields.url(),
    UPLOAD_CHUNK_SIZE: configFields.positiveInt(50 * MiB),
    UPLOAD_MAX_CHUNK_SIZE: configFields.positiveInt(100 * MiB),
    UPLOAD_MAX_FILE_SIZE: configFields.positiveInt(20 * 1024 * MiB),
    UPLOAD_TTL_SECONDS: configFields.positiveInt(24 * 60 * 60),
    /** How long a transfer holds its upload without renewing (renewed while bytes flow). */
    UPLOAD_LEASE_SECONDS: configFields.positiveInt(30),
    /** How often expired uploads are looked for. */
    UPLOAD_EXPIRY_SWEEP_SECONDS: configFields.positiveInt(60),
    /**
     * Test-only failpoint, off unless set: `hang-after-publish` stops the outbox relay for good after Kafka
     * acknowledged a batch and before the events are removed, so a test can kill the process exactly there.
     */
    OUTBOX_FAILPOINT: z.enum(['hang-after-publish']).optional(),
  })
  .superRefine((config, context) => {
    if (!config.JWT_HS256_SECRET === !config.JWT_JWKS_URL) {
      context.addIssue({ code: 'custom', path: ['JWT_HS256_SECRET'], message: 'set exactly one of JWT_HS256_SECRET and JWT_JWKS_URL' });
    }
    if (config.UPLOAD_CHUNK_SIZE > config.UPLOAD_MAX_CHUNK_SIZE) {
      context.addIssue({ code: 'custom', path: ['UPLOAD_CHUNK_SIZE'], message: 'must not exceed UPLOAD_MAX_CHUNK_SIZE' });
    }
  });
export type IngestApiConfig = z.infer<typeof ingestApiConfigSchema>;

export function loadIngestApiConfig(env: NodeJS.ProcessEnv = process.env): IngestApiConfig {
  return loadConfig(ingestApiConfigSchema, env);
}
