import { serviceCalleeConfigFields, serviceCallerConfigFields } from '@media/service-identity';
import { baseConfigSchema, configFields, loadConfig } from '@media/service-kit';
import type { z } from 'zod';

export const storageConfigSchema = baseConfigSchema(3001)
  // Caller fields first, as in ingest-api, so the shared rows of the README table read the same for both.
  .extend(serviceCallerConfigFields)
  .extend(serviceCalleeConfigFields)
  .extend({
    INGEST_API_URL: configFields
      .url()
      .optional()
      .describe("ingest-api's internal URL: the garbage collector asks it which stored ids assets still reference; required in production, unset elsewhere nothing is collected"),
    STORAGE_GC_INTERVAL_SECONDS: configFields.positiveInt(600).describe('how often one replica (a lease in MongoDB) looks for bytes no asset references'),
    STORAGE_GC_GRACE_SECONDS: configFields
      .positiveInt(24 * 60 * 60)
      .describe('only bytes older than this are candidates: longer than any request, encoder job or Kafka outage that may still reference them'),
    STORAGE_INSERT_BYTES_IN_FLIGHT: configFields
      .positiveInt(8 * 1024 * 1024)
      .describe(
        'chunk bytes all uploads of a replica together may have on their way to the database (batches of 1 MiB); bounds memory under many concurrent uploads, which wait their turn instead',
      ),
    STORAGE_GC_BATCH: configFields.positiveInt(500).describe('candidates of each kind (files, uploads, chunks, parts) looked at per pass'),
  })
  // Unset, the collector never runs and what crashes leave piles up unnoticed: fine for a test, not for
  // a production deployment, which must say where ingest-api is.
  .superRefine((config, context) => {
    if (config.NODE_ENV === 'production' && config.INGEST_API_URL === undefined) {
      context.addIssue({ code: 'custom', path: ['INGEST_API_URL'], message: 'is required with NODE_ENV=production: without it the garbage collector never runs' });
    }
  });
export type StorageConfig = z.infer<typeof storageConfigSchema>;

export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  return loadConfig(storageConfigSchema, env);
}
