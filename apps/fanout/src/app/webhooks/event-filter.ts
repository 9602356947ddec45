import { ASSET_EVENT_TYPES, type AssetEventType } from '@media/asset-model';

/** A subscription's `events`: event types, or `*` for all of them. */
export const WEBHOOK_EVENT_FILTERS = ['*', ...ASSET_EVENT_TYPES] as const;
export type WebhookEventFilter = (typeof WEBHOOK_EVENT_FILTERS)[number];

export function matchesEventFilter(filter: readonly WebhookEventFilter[], event: AssetEventType): boolean {
  return filter.includes('*') || filter.includes(event);
}
