import { baseConfigSchema, loadConfig } from '@media/service-kit';
import type { z } from 'zod';

export const fanoutConfigSchema = baseConfigSchema(3003);
export type FanoutConfig = z.infer<typeof fanoutConfigSchema>;

export function loadFanoutConfig(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  return loadConfig(fanoutConfigSchema, env);
}
