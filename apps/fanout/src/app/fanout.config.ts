import { serviceCalleeConfigFields } from '@media/service-identity';
import { baseConfigSchema, configFields, loadConfig } from '@media/service-kit';
import { z } from 'zod';
import { parseSchedule } from './webhooks/retry-schedule';
import { isValidCidr } from './webhooks/webhook-url.policy';

const DEFAULT_SCHEDULE = '5,30,120,600,1800,7200,18000';

export const fanoutConfigSchema = baseConfigSchema(3003).extend({
  ...serviceCalleeConfigFields,
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
    })
    .describe('wait after the 1st, 2nd, ... failed attempt (±20 % jitter); past the end the delivery is exhausted and waits for a manual retry'),
  WEBHOOK_ALLOWED_CIDRS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((cidr) => cidr.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isValidCidr, 'each entry must be a CIDR such as 10.0.0.0/8 or fd00::/8')))
    .describe('comma-separated CIDRs webhooks may reach although loopback, private, CGNAT or link-local (e.g. `127.0.0.1/32`)'),
  WEBHOOK_TIMEOUT_MS: configFields.positiveInt(10_000).describe('time limit of one attempt (connect, send, answer)'),
  WEBHOOK_MAX_RESPONSE_BYTES: configFields.positiveInt(64 * 1024).describe("at most this much of a receiver's answer is read (and kept in the log, truncated)"),
  WEBHOOK_MAX_RETRY_AFTER_SECONDS: configFields.positiveInt(24 * 60 * 60).describe('the longest `Retry-After` honoured'),
  WEBHOOK_LEASE_SECONDS: configFields.positiveInt(60).describe('how long a claimed delivery stays with one replica before another may take it over'),
  WEBHOOK_POLL_INTERVAL_MS: configFields.positiveInt(1000).describe('how often due deliveries are looked for when nothing woke the worker'),
  WEBHOOK_HEAD_REPAIR_SECONDS: configFields
    .positiveInt(60)
    .describe("how often a replica checks that every pending delivery is known to its endpoint's head (and at start); a slow pass over the pending deliveries"),
  WEBHOOK_CONCURRENCY: configFields.positiveInt(16).describe('deliveries sent at once per replica'),
  WEBHOOK_TENANT_CONCURRENCY: configFields
    .positiveInt(4)
    .describe("deliveries of one tenant sent at once per replica: a tenant whose endpoints hang holds at most this many of the replica's slots"),
  WEBHOOK_ENDPOINT_CONCURRENCY: configFields.positiveInt(2).describe('deliveries to one subscription sent at once per replica'),
  WEBHOOKS_PER_TENANT: configFields.positiveInt(100).describe('subscriptions one tenant may have; one more is refused with 409 `webhook_limit_reached`'),
  WEBHOOK_DELIVERY_RETENTION_SECONDS: configFields
    .positiveInt(30 * 24 * 60 * 60)
    .describe('a finished delivery (succeeded or failed) and its attempts leave the log this long after it finished (TTL index, and a sweep for servers without TTL)'),
  WEBHOOK_MANUAL_RETRIES: configFields.positiveInt(10).describe('manual retries of one delivery; one more is refused with 409 `retry_limit_reached`'),
  FANOUT_MESSAGE_MAX_ATTEMPTS: configFields.positiveInt(5).describe('attempts at one Kafka message before it goes to `assets.events.dlq.v1`'),
});
export type FanoutConfig = z.infer<typeof fanoutConfigSchema>;

export function loadFanoutConfig(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  return loadConfig(fanoutConfigSchema, env);
}
