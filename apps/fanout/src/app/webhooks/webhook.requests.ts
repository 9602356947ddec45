import { z } from 'zod';
import { WEBHOOK_EVENT_FILTERS } from './event-filter';

const url = z.string().min(1).max(2048);
const events = z.array(z.enum(WEBHOOK_EVENT_FILTERS)).min(1, 'lists at least one event type or "*"').transform((list) => [...new Set(list)]);
const description = z.string().max(500).nullable();

/** `POST /webhooks`: `url`, `events` (default all), `description`. */
export const createWebhookSchema = z.strictObject({ url, events: events.default(['*']), description: description.optional() });
export type CreateWebhookRequest = z.infer<typeof createWebhookSchema>;

/** `PUT /webhooks/{id}`: any of the fields; `status: active` re-enables a subscription a 410 disabled. */
export const updateWebhookSchema = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: description.optional(),
  status: z.enum(['active', 'disabled']).optional(),
});
export type UpdateWebhookRequest = z.infer<typeof updateWebhookSchema>;

export const deliveryListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  // Bounded: a deep skip makes the server walk (and discard) that many documents.
  skip: z.coerce.number().int().min(0).max(100_000).default(0),
});
