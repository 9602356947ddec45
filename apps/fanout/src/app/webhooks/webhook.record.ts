import type { AssetEventType } from '@media/asset-model';
import type { WebhookEventFilter } from './event-filter';

/** A tenant name that came from a trusted place (the gateway's header); repositories take only this. */
export type TenantId = string & { readonly __brand: 'TenantId' };
export const asTenantId = (tenant: string): TenantId => tenant as TenantId;

export type WebhookStatus = 'active' | 'disabled';

export interface WebhookRecord {
  _id: string;
  tenant: TenantId;
  url: string;
  events: WebhookEventFilter[];
  description: string | null;
  secret: string;
  status: WebhookStatus;
  /** Why it was disabled (a 410 from the receiver), null while active. */
  disabled_reason: string | null;
  created_by: string | null;
  created_on: Date;
  changed_on: Date;
}

/** `pending` (waiting for `next_attempt_at`), `succeeded` (a 2xx), `failed` (schedule exhausted or webhook gone). */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryAttempt {
  at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface DeliveryRecord {
  _id: string;
  tenant: TenantId;
  webhook_id: string;
  event_id: string;
  event: AssetEventType;
  /** The exact value read from Kafka: receivers get these bytes, and the signature covers them. */
  body: string;
  status: DeliveryStatus;
  /** Failed attempts since the schedule (re)started; picks the next delay. */
  failures: number;
  next_attempt_at: Date | null;
  /** Compare-and-set lease of the replica sending the current attempt. */
  lease_token: string | null;
  attempts: DeliveryAttempt[];
  last_error: string | null;
  /** Manual retries so far; bounded so a delivery log cannot be grown without end by hand. */
  manual_retries?: number;
  /** When the finished delivery leaves the log (TTL index); null while it is pending. */
  expires_at?: Date | null;
  /** The W3C trace context of the event's consumption: attempts continue that trace. */
  traceparent?: string | null;
  created_on: Date;
  changed_on: Date;
}

/**
 * One endpoint's head (`webhook_endpoint_heads`, `_id` = the subscription's id): a window of its pending
 * deliveries so a claim reads one small document per endpoint; see deliveries/endpoint-head.ts.
 */
export interface EndpointHeadRecord {
  _id: string;
  tenant: TenantId;
  entries: { id: string; due: Date; leased: boolean }[];
  overflow_due: Date | null;
  /** The earliest of the entries and the overflow: heads are claimed in this order; null when idle. */
  due_at: Date | null;
  /** Listed deliveries under a lease (informational: the caps are kept per replica). */
  in_flight: number;
  /** Changes with every write: writers compare-and-set on it. */
  rev: string;
  changed_on: Date;
}
