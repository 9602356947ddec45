import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { AllowCallers } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import type { z } from 'zod';
import { presentDelivery, presentWebhook } from './webhook.presenter';
import { asTenantId, type TenantId } from './webhook.record';
import { createWebhookSchema, deliveryListQuerySchema, updateWebhookSchema } from './webhook.requests';
import { webhookNotFound, WebhooksService } from './webhooks.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parse<S extends z.ZodType>(schema: S, input: unknown, code = 'invalid_request'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ field: issue.path.join('.') || null, message: issue.message }));
  throw new DomainError(400, code, 'The request is invalid', errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '), { errors });
}

function tenantOf(header: string | undefined): TenantId {
  if (!header) throw new DomainError(400, 'missing_tenant', 'Missing tenant', 'the x-tenant header is required');
  return asTenantId(header);
}

function webhookId(id: string): string {
  if (!UUID.test(id)) throw webhookNotFound(id);
  return id;
}

/**
 * Fanout's internal API, reached only through the gateway (which authenticates the customer and names the
 * tenant in `x-tenant`): only ingest-api's service token is accepted, so no other pod can name a tenant.
 */
@Controller('internal/webhooks')
@AllowCallers('ingest-api')
export class InternalWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  async create(@Headers('x-tenant') tenant: string | undefined, @Headers('x-actor') actor: string | undefined, @Body() body: unknown) {
    const record = await this.webhooks.create(tenantOf(tenant), actor ?? null, parse(createWebhookSchema, body));
    // The only time the secret leaves the service.
    return { ...presentWebhook(record), secret: record.secret };
  }

  @Get()
  async list(@Headers('x-tenant') tenant: string | undefined) {
    const items = (await this.webhooks.list(tenantOf(tenant))).map(presentWebhook);
    return { total: items.length, items };
  }

  @Get(':id')
  async get(@Headers('x-tenant') tenant: string | undefined, @Param('id') id: string) {
    return presentWebhook(await this.webhooks.get(tenantOf(tenant), webhookId(id)));
  }

  @Put(':id')
  async update(@Headers('x-tenant') tenant: string | undefined, @Param('id') id: string, @Body() body: unknown) {
    const t = tenantOf(tenant);
    const valid = webhookId(id);
    return presentWebhook(await this.webhooks.update(t, valid, parse(updateWebhookSchema, body)));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Headers('x-tenant') tenant: string | undefined, @Param('id') id: string): Promise<void> {
    await this.webhooks.delete(tenantOf(tenant), webhookId(id));
  }

  @Get(':id/deliveries')
  async deliveries(@Headers('x-tenant') tenant: string | undefined, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const t = tenantOf(tenant);
    const valid = webhookId(id);
    const { skip, limit } = parse(deliveryListQuerySchema, query, 'invalid_query');
    const { total, items } = await this.webhooks.deliveriesOf(t, valid, skip, limit);
    return { total, skip, limit, items: items.map(presentDelivery) };
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  async retry(@Headers('x-tenant') tenant: string | undefined, @Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    const t = tenantOf(tenant);
    const valid = webhookId(id);
    if (!UUID.test(deliveryId)) throw new DomainError(404, 'delivery_not_found', 'Delivery not found', `no delivery ${deliveryId}`);
    return presentDelivery(await this.webhooks.retry(t, valid, deliveryId));
  }
}
