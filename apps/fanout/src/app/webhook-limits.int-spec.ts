import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AssetEventEnvelope, TOPICS } from '@media/asset-model';
import { KafkaClient } from '@media/messaging';
import { bootService, integrationEnv, type RunningService, sampleAsset, serviceAuthorization, waitFor } from '@media/testing';
import type { Producer } from 'kafkajs';
import { mongo } from 'mongoose';
import { AppModule } from './app.module';
import { loadFanoutConfig } from './fanout.config';

interface Delivery {
  id: string;
  status: string;
  attempts: unknown[];
}

/** Bounds of the webhook API (subscriptions per tenant, manual retries) and the delivery log's retention. */
describe('fanout: limits and retention', () => {
  const env = integrationEnv('fanout-limits', {
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
    WEBHOOK_RETRY_SCHEDULE_SECONDS: '0',
    WEBHOOK_POLL_INTERVAL_MS: '100',
    WEBHOOKS_PER_TENANT: '3',
    WEBHOOK_MANUAL_RETRIES: '2',
    WEBHOOK_DELIVERY_RETENTION_SECONDS: '2',
  });
  let running: RunningService;
  let kafka: KafkaClient;
  let producer: Producer;
  let receiver: Server;
  let receiverUrl = '';
  let client: mongo.MongoClient;

  beforeAll(async () => {
    // `/fail` always answers 500 (two attempts, then failed: the schedule has one step); anything else 204.
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(request.url === '/fail' ? 500 : 204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    running = await bootService(AppModule.register(loadFanoutConfig(env)));
    kafka = new KafkaClient({ clientId: 'fanout-limits-int-spec', brokers: (env['KAFKA_BROKERS'] ?? '').split(',') });
    producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    client = await new mongo.MongoClient(env['MONGODB_URI'] ?? '').connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await kafka?.onApplicationShutdown();
    await running?.close();
    await client?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  async function api<T>(method: string, path: string, tenant: string, body?: unknown): Promise<{ status: number; type: string | null; body: T }> {
    const response = await fetch(`${running.baseUrl}/internal/webhooks${path}`, {
      method,
      headers: { authorization: await serviceAuthorization('ingest-api', 'fanout'), 'x-tenant': tenant, 'x-actor': 'int-spec', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function publishFor(tenant: string): Promise<void> {
    const event: AssetEventEnvelope = { id: randomUUID(), created_on: new Date().toISOString(), event: 'asset.created', tenant, performed_by: 'int-spec', payload: sampleAsset() };
    await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages: [{ key: event.payload.id, value: JSON.stringify(event) }] });
  }

  const deliveriesOf = async (tenant: string, webhookId: string) => (await api<{ items: Delivery[] }>('GET', `/${webhookId}/deliveries`, tenant)).body.items;

  it('refuses one subscription more than the limit with a problem, per tenant', async () => {
    const tenant = `t-${randomUUID()}`;
    for (let i = 0; i < 3; i += 1) expect((await api('POST', '', tenant, { url: `${receiverUrl}/ok`, events: ['*'] })).status).toBe(201);
    const refused = await api<{ code: string; limit: number }>('POST', '', tenant, { url: `${receiverUrl}/ok`, events: ['*'] });
    expect(refused.status).toBe(409);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'webhook_limit_reached', limit: 3 });
    expect((await api<{ total: number }>('GET', '', tenant)).body.total).toBe(3);
    // Another tenant is not affected, and deleting one makes room again.
    expect((await api('POST', '', `t-${randomUUID()}`, { url: `${receiverUrl}/ok`, events: ['*'] })).status).toBe(201);
    const [first] = (await api<{ items: { id: string }[] }>('GET', '', tenant)).body.items;
    expect((await api('DELETE', `/${first?.id}`, tenant)).status).toBe(204);
    expect((await api('POST', '', tenant, { url: `${receiverUrl}/ok`, events: ['*'] })).status).toBe(201);
  });

  it('bounds manual retries of a delivery', async () => {
    const tenant = `t-${randomUUID()}`;
    const { body: webhook } = await api<{ id: string }>('POST', '', tenant, { url: `${receiverUrl}/fail`, events: ['*'] });
    await publishFor(tenant);
    await waitFor('the delivery failed', async () => (await deliveriesOf(tenant, webhook.id))[0]?.status === 'failed', { timeoutMs: 45_000, intervalMs: 100 });
    const [delivery] = await deliveriesOf(tenant, webhook.id);
    for (let retry = 1; retry <= 2; retry += 1) {
      expect((await api('POST', `/${webhook.id}/deliveries/${delivery?.id}/retry`, tenant)).status).toBe(202);
      await waitFor(`retry ${retry} attempted`, async () => {
        const [again] = await deliveriesOf(tenant, webhook.id);
        return again?.status === 'failed' && again.attempts.length === 2 * (retry + 1);
      }, { timeoutMs: 30_000, intervalMs: 100 });
    }
    const refused = await api<{ code: string; limit: number }>('POST', `/${webhook.id}/deliveries/${delivery?.id}/retry`, tenant);
    expect(refused.status).toBe(409);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'retry_limit_reached', limit: 2 });
    expect((await api('POST', `/${webhook.id}/deliveries/${randomUUID()}/retry`, tenant)).status).toBe(404);
  });

  it('removes finished deliveries after the retention, never pending ones, and keeps a TTL index for MongoDB', async () => {
    const tenant = `t-${randomUUID()}`;
    const { body: webhook } = await api<{ id: string }>('POST', '', tenant, { url: `${receiverUrl}/ok`, events: ['*'] });
    await publishFor(tenant);
    await waitFor('delivered', async () => (await deliveriesOf(tenant, webhook.id))[0]?.status === 'succeeded', { timeoutMs: 45_000, intervalMs: 100 });
    const deliveries = client.db().collection('webhook_deliveries');
    const [finished] = await deliveries.find({ tenant }).toArray();
    expect(finished?.['expires_at']).toBeInstanceOf(Date);
    // A pending delivery far in the future stays however old it is.
    await deliveries.insertOne({ _id: randomUUID() as unknown as mongo.ObjectId, tenant, webhook_id: webhook.id, status: 'pending', next_attempt_at: new Date(Date.now() + 3_600_000), expires_at: null, created_on: new Date(0) });
    await waitFor('the finished delivery removed', async () => (await deliveries.countDocuments({ tenant, status: 'succeeded' })) === 0, { timeoutMs: 30_000, intervalMs: 200 });
    expect(await deliveries.countDocuments({ tenant, status: 'pending' })).toBe(1);
    const indexes = await deliveries.indexes();
    expect(indexes.find((index) => index.key['expires_at'] === 1)?.expireAfterSeconds).toBe(0);
    expect(await (await fetch(`${running.baseUrl}/metrics`)).text()).toMatch(/fanout_deliveries_expired_total\{service="fanout"\} [1-9]/);
  });
});
