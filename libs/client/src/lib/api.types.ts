import type { paths } from './generated/openapi.types';

// The public types come from the generated OpenAPI types by path and method (routes are stable, operation
// ids are not). Where the document does not describe a body yet, the fallback says what the API answers.

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type ResponseOf<Path extends keyof paths, Method extends keyof paths[Path], Status extends number> = paths[Path][Method] extends { responses: infer R }
  ? Status extends keyof R
    ? JsonOf<R[Status]>
    : never
  : never;
type Or<T, Fallback> = [T] extends [never] ? Fallback : unknown extends T ? Fallback : T;

export type Asset = ResponseOf<'/assets/{id}', 'get', 200>;
export type AssetPage = ResponseOf<'/assets', 'get', 200>;
export type AssetListQuery = NonNullable<paths['/assets']['get']['parameters']['query']>;
export type UploadOffsets = Or<ResponseOf<'/assets/{id}/multipart', 'get', 200>, { start_offset: number; end_offset: number; file_size: number }>;

/** Metadata a client sets on an asset (at upload, or with `update`). */
export interface AssetMetadata {
  name?: string;
  body?: string | null;
  author?: string | null;
  reference_id?: string | null;
  tags?: string[];
}

export interface WebhookFallback {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'active' | 'disabled';
  disabled_reason?: string | null;
  created_on: string;
  changed_on: string;
  /** Present once: in the answer that created the subscription. */
  secret?: string;
}
export interface DeliveryFallback {
  id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  status: string;
  next_attempt_at: string | null;
  last_error: string | null;
  created_on: string;
  attempts: { at: string; status_code: number | null; error: string | null; duration_ms: number }[];
}

export type Webhook = Or<ResponseOf<'/webhooks/{id}', 'get', 200>, WebhookFallback>;
export type CreatedWebhook = Or<ResponseOf<'/webhooks', 'post', 201>, WebhookFallback & { secret: string }>;
export type WebhookList = Or<ResponseOf<'/webhooks', 'get', 200>, { total: number; items: Webhook[] }>;
export type DeliveryPage = Or<ResponseOf<'/webhooks/{id}/deliveries', 'get', 200>, { total: number; skip: number; limit: number; items: DeliveryFallback[] }>;
export type Delivery = DeliveryPage extends { items: (infer Item)[] } ? Item : DeliveryFallback;

export interface WebhookInput {
  url: string;
  /** Event types (`asset.created`, ...) or `*`; all by default. */
  events?: string[];
  description?: string | null;
}
export interface WebhookChanges extends Partial<WebhookInput> {
  status?: 'active' | 'disabled';
}
