import { baseConfigSchema, loadConfig } from '@media/service-kit';
import type { z } from 'zod';

export const encoderConfigSchema = baseConfigSchema(3002);
export type EncoderConfig = z.infer<typeof encoderConfigSchema>;

export function loadEncoderConfig(env: NodeJS.ProcessEnv = process.env): EncoderConfig {
  return loadConfig(encoderConfigSchema, env);
}
