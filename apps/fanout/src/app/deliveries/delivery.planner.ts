import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AssetEventEnvelope } from '@media/asset-model';
import { currentTraceparent } from '@media/service-kit';
import { matchesEventFilter } from '../webhooks/event-filter';
import { asTenantId, type WebhookRecord } from '../webhooks/webhook.record';
import { WebhookRepository } from '../webhooks/webhook.repository';
import { DeliveryRepository } from './delivery.repository';

/** Clocks of the gateway and fanout differ a little; an event this much older than a subscription still reaches it. */
const CLOCK_SKEW_MS = 5_000;

/** Whether a subscription wants an event: its tenant, its filter, and not from before it existed. */
export function wants(webhook: Pick<WebhookRecord, 'tenant' | 'status' | 'events' | 'created_on'>, envelope: AssetEventEnvelope): boolean {
  return (
    webhook.tenant === envelope.tenant &&
    webhook.status === 'active' &&
    matchesEventFilter(webhook.events, envelope.event) &&
    Date.parse(envelope.created_on) >= webhook.created_on.getTime() - CLOCK_SKEW_MS
  );
}

/** One delivery document per matching subscription; idempotent, so a redelivered message adds nothing. */
@Injectable()
export class DeliveryPlanner {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async plan(envelope: AssetEventEnvelope, body: string): Promise<number> {
    const tenant = asTenantId(envelope.tenant);
    const subscriptions = (await this.webhooks.listActive(tenant)).filter((webhook) => wants(webhook, envelope));
    const now = new Date();
    const traceparent = currentTraceparent() ?? null;
    // One round trip for all of them: a tenant with many subscriptions must not hold the consumer (and so
    // other tenants' events) for one insert each.
    return this.deliveries.insertAllOnce(
      subscriptions.map((webhook) => ({
        _id: randomUUID(),
        tenant,
        webhook_id: webhook._id,
        event_id: envelope.id,
        event: envelope.event,
        body,
        status: 'pending',
        failures: 0,
        next_attempt_at: now,
        lease_token: null,
        attempts: [],
        last_error: null,
        traceparent,
        created_on: now,
        changed_on: now,
      })),
    );
  }
}
