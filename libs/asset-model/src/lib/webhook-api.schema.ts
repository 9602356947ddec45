import { z } from 'zod';
import { ASSET_EVENT_TYPES } from './asset-event.schema';
import { wholeNumberParam } from './query-params';

/**
 * The webhook subscription API on the wire: what a client sends to `/webhooks` and what it gets back.
 * Fanout validates with these schemas and the gateway documents them, so the two cannot disagree.
 */

/** A subscription's `events`: event types, or `*` for all of them. */
export const WEBHOOK_EVENT_FILTERS = ['*', ...ASSET_EVENT_TYPES] as const;
export type WebhookEventFilter = (typeof WEBHOOK_EVENT_FILTERS)[number];

export const WEBHOOK_STATUSES = ['active', 'disabled'] as const;
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

// The example is a documentation address (RFC 5737): real receivers are public http(s) URLs.
const url = z.string().min(1).max(2048).meta({ description: 'the receiver: a public http or https URL', example: 'https://192.0.2.10/hooks/media-assets' });
const events = z
  .array(z.enum(WEBHOOK_EVENT_FILTERS))
  .min(1, 'lists at least one event type or "*"')
  .transform((list) => [...new Set(list)]);
const description = z.string().max(500).nullable();

/** `POST /webhooks`: `url`, `events` (default all), `description`. */
export const createWebhookSchema = z.strictObject({ url, events: events.default(['*']), description: description.optional() });
export type CreateWebhookRequest = z.infer<typeof createWebhookSchema>;

/** `PUT /webhooks/{id}`: any of the fields; `status: active` re-enables a subscription a 410 disabled. */
export const updateWebhookSchema = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: description.optional(),
  status: z.enum(WEBHOOK_STATUSES).optional(),
});
export type UpdateWebhookRequest = z.infer<typeof updateWebhookSchema>;

export const deliveryListQuerySchema = z.object({
  limit: wholeNumberParam(1, 1000, 100),
  // Bounded: a deep skip makes the server walk (and discard) that many documents.
  skip: wholeNumberParam(0, 100_000, 0),
});

const timestamp = z.iso.datetime({ offset: true });

/** A subscription as clients see it: never the secret (it is shown once, at creation). */
export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_FILTERS)),
  description: z.string().nullable(),
  status: z.enum(WEBHOOK_STATUSES),
  disabled_reason: z.string().nullable(),
  created_on: timestamp,
  changed_on: timestamp,
});

/** The answer to a subscription: the signing secret (`whsec_<base64>`), this once. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string().regex(/^whsec_/) });

export const webhookListSchema = z.object({ total: z.number().int().nonnegative(), items: z.array(webhookSchema) });

export const deliverySchema = z.object({
  id: z.uuid(),
  webhook_id: z.uuid(),
  event_id: z.string(),
  event: z.enum(ASSET_EVENT_TYPES),
  status: z.enum(DELIVERY_STATUSES),
  next_attempt_at: timestamp.nullable(),
  last_error: z.string().nullable(),
  created_on: timestamp,
  attempts: z.array(
    z.object({
      at: timestamp,
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
      duration_ms: z.number().nonnegative(),
    }),
  ),
});

export const deliveryListSchema = z.object({
  total: z.number().int().nonnegative(),
  skip: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  items: z.array(deliverySchema),
});
