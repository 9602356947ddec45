import createClient from 'openapi-fetch';
import type { Asset, AssetListQuery, AssetMetadata, AssetPage, CreatedWebhook, Delivery, DeliveryPage, Webhook, WebhookChanges, WebhookInput, WebhookList } from './api.types';
import type { paths } from './generated/openapi.types';
import { MediaAssetsError } from './http/problem.error';
import { type Query, Transport, type TransportOptions } from './http/transport';
import { retryingFetch } from './http/with-retries';
import type { UploadSource } from './upload/chunk-source';
import { MemoryResumeStore, type ResumeStore } from './upload/resume.store';
import { upload, type UploadOptions } from './upload/uploader';

export interface MediaAssetsClientOptions extends TransportOptions {
  /** Where unfinished uploads are remembered; in memory by default (the Node entry offers one on disk). */
  resumeStore?: ResumeStore;
}

export interface CallOptions {
  signal?: AbortSignal;
}

const path = (template: string, ...ids: string[]) => {
  let index = 0;
  return template.replace(/\{\w+\}/g, () => encodeURIComponent(ids[index++] ?? ''));
};

/** The media asset API: uploads, the catalog and webhooks, typed from the OpenAPI document. */
export class MediaAssetsClient {
  protected readonly transport: Transport;
  readonly resumeStore: ResumeStore;
  /** Typed calls for every operation of the OpenAPI document (openapi-fetch), with the same auth and retries. */
  readonly api: ReturnType<typeof createClient<paths>>;

  constructor(options: MediaAssetsClientOptions) {
    this.transport = new Transport(options);
    this.resumeStore = options.resumeStore ?? new MemoryResumeStore();
    this.api = createClient<paths>({
      baseUrl: this.transport.baseUrl,
      headers: this.transport.headers(),
      fetch: retryingFetch(this.transport.fetch, { policy: this.transport.policy, onRetry: options.onRetry }),
    });
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /**
   * Uploads a Blob/File or a stream: in one request below `resumableThreshold` bytes, else in chunks that
   * survive cuts, 5xx/429 (with backoff) and offset mismatches; a File is resumed across page loads only
   * with a `resumeStore` that outlives them. The asset's sha256 is checked against the bytes sent.
   */
  upload(source: UploadSource, options: UploadOptions = {}): Promise<Asset> {
    const identity = options.resumeIdentity ?? (typeof File !== 'undefined' && source instanceof File ? `file:${source.name}:${source.size}:${source.lastModified}` : undefined);
    return upload(this.transport, source, { resumeStore: this.resumeStore, ...options, resumeIdentity: identity });
  }

  /** One page of the catalog. */
  async listPage(query: AssetListQuery = {}, { signal }: CallOptions = {}): Promise<AssetPage> {
    return this.transport.expect<AssetPage>(await this.transport.send('GET', '/assets', { query: query as Query, signal }), 'list assets', 200);
  }

  /** Every asset matching the query, page after page (`limit` is the page size), as an async iterator. */
  async *list(query: AssetListQuery = {}, options: CallOptions = {}): AsyncGenerator<Asset> {
    let skip = query.skip ?? 0;
    for (;;) {
      const page = await this.listPage({ ...query, skip }, options);
      for (const item of page.items) yield item as Asset;
      skip += page.items.length;
      if (page.items.length === 0 || skip >= page.total) return;
    }
  }

  /** The asset and its ETag (for `update(..., { ifMatch })`). */
  async getWithEtag(id: string, { signal }: CallOptions = {}): Promise<{ asset: Asset; etag: string | null }> {
    const response = await this.transport.send('GET', path('/assets/{id}', id), { signal });
    const asset = await this.transport.expect<Asset>(response, `get ${id}`, 200);
    return { asset, etag: response.headers.get('etag') };
  }

  async get(id: string, options: CallOptions = {}): Promise<Asset> {
    return (await this.getWithEtag(id, options)).asset;
  }

  /** Changes metadata; with `ifMatch` (an ETag from `getWithEtag`) a concurrent change is a 412 instead of lost. */
  async update(id: string, changes: AssetMetadata, { ifMatch, signal }: CallOptions & { ifMatch?: string } = {}): Promise<Asset> {
    const response = await this.transport.send('PUT', path('/assets/{id}', id), { json: changes, headers: ifMatch ? { 'if-match': ifMatch } : {}, signal });
    return this.transport.expect<Asset>(response, `update ${id}`, 200);
  }

  async delete(id: string, { signal }: CallOptions = {}): Promise<void> {
    await this.transport.expect<void>(await this.transport.send('DELETE', path('/assets/{id}', id), { signal }), `delete ${id}`, 204);
  }

  /**
   * A stored file (a `cdn_files` url, or the original of an asset) as a streaming Response; `fromByte` asks for
   * the rest of it with Range (206). The caller reads or cancels the body.
   */
  async fetchFile(url: string, { fromByte = 0, ifRange, signal }: CallOptions & { fromByte?: number; ifRange?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = fromByte > 0 ? { range: `bytes=${fromByte}-`, ...(ifRange ? { 'if-range': ifRange } : {}) } : {};
    const response = await this.transport.send('GET', url, { headers, signal, stream: true });
    if (response.status !== 200 && response.status !== 206 && response.status !== 416) throw await MediaAssetsError.fromResponse(response, `download ${url}`);
    return response;
  }

  readonly webhooks = {
    list: async ({ signal }: CallOptions = {}): Promise<WebhookList> =>
      this.transport.expect<WebhookList>(await this.transport.send('GET', '/webhooks', { signal }), 'list webhooks', 200),
    create: async (input: WebhookInput, { signal }: CallOptions = {}): Promise<CreatedWebhook> =>
      this.transport.expect<CreatedWebhook>(await this.transport.send('POST', '/webhooks', { json: input, signal }), 'create webhook', 201),
    get: async (id: string, { signal }: CallOptions = {}): Promise<Webhook> =>
      this.transport.expect<Webhook>(await this.transport.send('GET', path('/webhooks/{id}', id), { signal }), `get webhook ${id}`, 200),
    update: async (id: string, changes: WebhookChanges, { signal }: CallOptions = {}): Promise<Webhook> =>
      this.transport.expect<Webhook>(await this.transport.send('PUT', path('/webhooks/{id}', id), { json: changes, signal }), `update webhook ${id}`, 200),
    delete: async (id: string, { signal }: CallOptions = {}): Promise<void> =>
      this.transport.expect<void>(await this.transport.send('DELETE', path('/webhooks/{id}', id), { signal }), `delete webhook ${id}`, 204),
    deliveries: async (id: string, query: { skip?: number; limit?: number } = {}, { signal }: CallOptions = {}): Promise<DeliveryPage> =>
      this.transport.expect<DeliveryPage>(await this.transport.send('GET', path('/webhooks/{id}/deliveries', id), { query, signal }), `deliveries of webhook ${id}`, 200),
    /** Sends a delivery again now. */
    retry: async (id: string, deliveryId: string, { signal }: CallOptions = {}): Promise<Delivery> =>
      this.transport.expect<Delivery>(await this.transport.send('POST', path('/webhooks/{id}/deliveries/{delivery_id}/retry', id, deliveryId), { signal }), `retry delivery ${deliveryId}`, 200, 201, 202),
  };
}
