import type { DeliveryRecord, WebhookRecord } from './webhook.record';

/** The subscription as clients see it: never the secret (it is shown once, at creation). */
export function presentWebhook(record: WebhookRecord) {
  return {
    id: record._id,
    url: record.url,
    events: record.events,
    description: record.description,
    status: record.status,
    disabled_reason: record.disabled_reason,
    created_on: record.created_on.toISOString(),
    changed_on: record.changed_on.toISOString(),
  };
}

export function presentDelivery(record: DeliveryRecord) {
  return {
    id: record._id,
    webhook_id: record.webhook_id,
    event_id: record.event_id,
    event: record.event,
    status: record.status,
    next_attempt_at: record.status === 'pending' && record.next_attempt_at ? record.next_attempt_at.toISOString() : null,
    last_error: record.last_error,
    created_on: record.created_on.toISOString(),
    attempts: record.attempts.map((attempt) => ({
      at: new Date(attempt.at).toISOString(),
      status_code: attempt.status_code,
      error: attempt.error,
      duration_ms: attempt.duration_ms,
    })),
  };
}
