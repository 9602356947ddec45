import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { generateWebhookSecret } from '@media/asset-model';
import { DomainError } from '@media/service-kit';
import { DeliveryRepository } from '../deliveries/delivery.repository';
import { DeliveryWorker } from '../deliveries/delivery.worker';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import { checkWebhookUrl, SENDER_OPTIONS, type SenderOptions } from '../deliveries/webhook.sender';
import type { DeliveryRecord, TenantId, WebhookRecord } from './webhook.record';
import { type WebhookChanges, WebhookRepository } from './webhook.repository';
import type { CreateWebhookRequest, UpdateWebhookRequest } from './webhook.requests';

export const webhookNotFound = (id: string) => new DomainError(404, 'webhook_not_found', 'Webhook not found', `no webhook ${id}`);
const deliveryNotFound = (id: string) => new DomainError(404, 'delivery_not_found', 'Delivery not found', `no delivery ${id}`);

/** Subscriptions and their delivery log, per tenant. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly worker: DeliveryWorker,
    @Inject(SENDER_OPTIONS) private readonly sender: SenderOptions,
    @Inject(FANOUT_CONFIG) private readonly config: FanoutConfig,
  ) {}

  async create(tenant: TenantId, actor: string | null, request: CreateWebhookRequest): Promise<WebhookRecord> {
    await this.assertReachable(request.url);
    // Counted, not reserved: concurrent creates of one tenant may pass together, by at most one each. The
    // bound is about keeping fan-out cost per event in check, which a handful more does not change.
    const limit = this.config.WEBHOOKS_PER_TENANT;
    if ((await this.webhooks.count(tenant)) >= limit) {
      throw new DomainError(409, 'webhook_limit_reached', 'Too many webhooks', `a tenant may have at most ${limit} webhook subscriptions; delete one first`, { limit });
    }
    const now = new Date();
    const record: WebhookRecord = {
      _id: randomUUID(),
      tenant,
      url: request.url,
      events: request.events,
      description: request.description ?? null,
      secret: generateWebhookSecret(),
      status: 'active',
      disabled_reason: null,
      created_by: actor,
      created_on: now,
      changed_on: now,
    };
    await this.webhooks.insert(record);
    return record;
  }

  list(tenant: TenantId): Promise<WebhookRecord[]> {
    return this.webhooks.list(tenant);
  }

  async get(tenant: TenantId, id: string): Promise<WebhookRecord> {
    const record = await this.webhooks.findOne(tenant, id);
    if (!record) throw webhookNotFound(id);
    return record;
  }

  async update(tenant: TenantId, id: string, request: UpdateWebhookRequest): Promise<WebhookRecord> {
    if (request.url !== undefined) await this.assertReachable(request.url);
    const changes: WebhookChanges = {
      ...(request.url !== undefined ? { url: request.url } : {}),
      ...(request.events !== undefined ? { events: request.events } : {}),
      ...(request.description !== undefined ? { description: request.description } : {}),
      ...(request.status !== undefined ? { status: request.status, disabled_reason: request.status === 'active' ? null : 'disabled by the tenant' } : {}),
    };
    const record = await this.webhooks.update(tenant, id, changes);
    if (!record) throw webhookNotFound(id);
    return record;
  }

  async delete(tenant: TenantId, id: string): Promise<void> {
    if (!(await this.webhooks.delete(tenant, id))) throw webhookNotFound(id);
    await this.deliveries.deleteOfWebhook(tenant, id);
  }

  async deliveriesOf(tenant: TenantId, id: string, skip: number, limit: number): Promise<{ total: number; items: DeliveryRecord[] }> {
    await this.get(tenant, id);
    return this.deliveries.list(tenant, id, skip, limit);
  }

  async retry(tenant: TenantId, id: string, deliveryId: string): Promise<DeliveryRecord> {
    await this.get(tenant, id);
    const result = await this.deliveries.retryNow(tenant, id, deliveryId);
    if (result.kind === 'not_found') throw deliveryNotFound(deliveryId);
    if (result.kind === 'limit_reached') {
      throw new DomainError(409, 'retry_limit_reached', 'Too many manual retries', `a delivery may be retried by hand at most ${result.limit} times`, { limit: result.limit });
    }
    this.worker.wake();
    return result.record;
  }

  /** Refused at registration, and checked again at every delivery (DNS answers change). */
  private async assertReachable(url: string): Promise<void> {
    const verdict = await checkWebhookUrl(url, this.sender.allowList);
    if (!verdict.ok) throw new DomainError(400, 'webhook_url_forbidden', 'Webhook URL not allowed', `the webhook URL is refused: ${verdict.reason}`);
  }
}
