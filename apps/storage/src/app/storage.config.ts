import { serviceCalleeConfigFields } from '@media/service-identity';
import { baseConfigSchema, loadConfig } from '@media/service-kit';
import type { z } from 'zod';

export const storageConfigSchema = baseConfigSchema(3001).extend(serviceCalleeConfigFields);
export type StorageConfig = z.infer<typeof storageConfigSchema>;

export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  return loadConfig(storageConfigSchema, env);
}
