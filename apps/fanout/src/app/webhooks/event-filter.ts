import type { AssetEventType, WebhookEventFilter } from '@media/asset-model';

export { WEBHOOK_EVENT_FILTERS, type WebhookEventFilter } from '@media/asset-model';

export function matchesEventFilter(filter: readonly WebhookEventFilter[], event: AssetEventType): boolean {
  return filter.includes('*') || filter.includes(event);
}
