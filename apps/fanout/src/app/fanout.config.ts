import { baseConfigSchema, configFields, loadConfig } from '@media/service-kit';
import { z } from 'zod';
import { parseSchedule } from './webhooks/retry-schedule';
import { isValidCidr } from './webhooks/webhook-url.policy';

const DEFAULT_SCHEDULE = '5,30,120,600,1800,7200,18000';

export const fanoutConfigSchema = baseConfigSchema(3003).extend({
  /** Seconds to wait after the 1st, 2nd, ... failed attempt (±20 % jitter); past the end a delivery is exhausted. */
  WEBHOOK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default(DEFAULT_SCHEDULE)
    .transform((value, context) => {
      const schedule = parseSchedule(value);
      if (!schedule) {
        context.addIssue({ code: 'custom', message: 'must be comma-separated non-negative seconds' });
        return z.NEVER;
      }
      return schedule;
    }),
  /** CIDRs webhooks may reach although they are loopback, private or link-local (comma-separated). */
  WEBHOOK_ALLOWED_CIDRS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((cidr) => cidr.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isValidCidr, 'each entry must be a CIDR such as 10.0.0.0/8 or fd00::/8'))),
  /** Whole-attempt time limit (connect, send, read the answer). */
  WEBHOOK_TIMEOUT_MS: configFields.positiveInt(10_000),
  /** At most this much of a receiver's answer is read (and kept in the log, truncated). */
  WEBHOOK_MAX_RESPONSE_BYTES: configFields.positiveInt(64 * 1024),
  /** The longest Retry-After honoured. */
  WEBHOOK_MAX_RETRY_AFTER_SECONDS: configFields.positiveInt(24 * 60 * 60),
  /** How long a claimed delivery stays with its replica before another may take it over. */
  WEBHOOK_LEASE_SECONDS: configFields.positiveInt(60),
  /** How often due deliveries are looked for when nothing woke the worker. */
  WEBHOOK_POLL_INTERVAL_MS: configFields.positiveInt(1000),
  /** Deliveries sent at once per replica. */
  WEBHOOK_CONCURRENCY: configFields.positiveInt(16),
  /** Attempts at handling one Kafka message before it goes to the dead-letter topic. */
  FANOUT_MESSAGE_MAX_ATTEMPTS: configFields.positiveInt(5),
});
export type FanoutConfig = z.infer<typeof fanoutConfigSchema>;

export function loadFanoutConfig(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  return loadConfig(fanoutConfigSchema, env);
}
