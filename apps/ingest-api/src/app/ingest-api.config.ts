import { baseConfigSchema, loadConfig } from '@media/service-kit';
import type { z } from 'zod';

export const ingestApiConfigSchema = baseConfigSchema(3000);
export type IngestApiConfig = z.infer<typeof ingestApiConfigSchema>;

export function loadIngestApiConfig(env: NodeJS.ProcessEnv = process.env): IngestApiConfig {
  return loadConfig(ingestApiConfigSchema, env);
}
