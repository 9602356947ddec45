import { Schema } from 'mongoose';
import type { DeliveryRecord, EndpointHeadRecord, WebhookRecord } from './webhook.record';

export const WEBHOOK_MODEL = 'Webhook';
export const DELIVERY_MODEL = 'WebhookDelivery';
export const ENDPOINT_HEAD_MODEL = 'WebhookEndpointHead';

export const webhookSchema = new Schema<WebhookRecord>(
  {
    _id: { type: String, required: true },
    tenant: { type: String, required: true },
    url: String,
    events: [String],
    description: { type: String, default: null },
    secret: String,
    status: String,
    disabled_reason: { type: String, default: null },
    created_by: { type: String, default: null },
    created_on: Date,
    changed_on: Date,
  },
  { collection: 'webhooks', versionKey: false, strict: true, minimize: false },
);
// Every read is per tenant; fan-out reads a tenant's active subscriptions for each event.
webhookSchema.index({ tenant: 1, status: 1 });

export const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String, required: true },
    tenant: { type: String, required: true },
    webhook_id: String,
    event_id: String,
    event: String,
    body: String,
    status: String,
    failures: Number,
    next_attempt_at: { type: Date, default: null },
    lease_token: { type: String, default: null },
    attempts: [Schema.Types.Mixed],
    last_error: { type: String, default: null },
    traceparent: { type: String, default: null },
    manual_retries: { type: Number, default: 0 },
    expires_at: { type: Date, default: null },
    created_on: Date,
    changed_on: Date,
  },
  { collection: 'webhook_deliveries', versionKey: false, strict: true, minimize: false },
);
// A Kafka message read twice (a rebalance, a restart before the commit) must not deliver twice.
deliverySchema.index({ webhook_id: 1, event_id: 1 }, { unique: true });
deliverySchema.index({ status: 1, next_attempt_at: 1 });
// Refilling an endpoint's head: its earliest-due pending deliveries.
deliverySchema.index({ webhook_id: 1, status: 1, next_attempt_at: 1 });
deliverySchema.index({ tenant: 1, webhook_id: 1, created_on: -1 });
// Retention: the server removes a finished delivery once `expires_at` passes (pending ones carry null, which
// a TTL index never expires). Servers without TTL support are swept by DeliveryRetention instead.
deliverySchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });

export const endpointHeadSchema = new Schema<EndpointHeadRecord>(
  {
    _id: { type: String, required: true },
    tenant: { type: String, required: true },
    entries: [Schema.Types.Mixed],
    overflow_due: { type: Date, default: null },
    due_at: { type: Date, default: null },
    in_flight: { type: Number, default: 0 },
    rev: String,
    changed_on: Date,
  },
  { collection: 'webhook_endpoint_heads', versionKey: false, strict: true, minimize: false },
);
// Claims take the earliest-due head; there is one per endpoint that ever had a delivery.
endpointHeadSchema.index({ due_at: 1 });
