import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AssetEventEnvelope, TOPICS } from '@media/asset-model';
import { KafkaClient } from '@media/messaging';
import { bootService, integrationEnv, type RunningService, sampleAsset, serviceAuthorization, waitFor } from '@media/testing';
import type { Producer } from 'kafkajs';
import { AppModule } from './app.module';
import { loadFanoutConfig } from './fanout.config';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * One tenant's 50 subscriptions point at a tarpit (accepts, never answers); another tenant has one healthy
 * endpoint. Without fair claims the tarpit's deliveries fill every slot until they time out; with them the
 * tarpit tenant holds at most its share and the healthy delivery goes out while the tarpit still hangs.
 */
describe('fanout: fair delivery across tenants', () => {
  const TENANT_SHARE = 4;
  const env = integrationEnv('fanout-fairness', {
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
    WEBHOOK_POLL_INTERVAL_MS: '100',
    WEBHOOK_CONCURRENCY: '16',
    WEBHOOK_TENANT_CONCURRENCY: String(TENANT_SHARE),
    // Longer than the test waits: nothing in the tarpit finishes while the healthy tenant is measured.
    WEBHOOK_TIMEOUT_MS: '60000',
  });
  let running: RunningService;
  let kafka: KafkaClient;
  let producer: Producer;
  let tarpit: Server;
  let healthy: Server;
  let tarpitUrl = '';
  let healthyUrl = '';
  let tarpitOpen = 0;
  let tarpitRequests = 0;
  const received: { eventId: string; tarpitOpen: number }[] = [];

  beforeAll(async () => {
    tarpit = createServer(() => {
      tarpitRequests += 1;
    });
    tarpit.on('connection', (socket) => {
      tarpitOpen += 1;
      socket.on('close', () => (tarpitOpen -= 1));
    });
    tarpitUrl = await listen(tarpit);
    healthy = createServer((request, response) => {
      received.push({ eventId: String(request.headers['webhook-id']), tarpitOpen });
      request.resume();
      response.writeHead(204).end();
    });
    healthyUrl = await listen(healthy);
    running = await bootService(AppModule.register(loadFanoutConfig(env)));
    kafka = new KafkaClient({ clientId: 'fanout-fairness-int-spec', brokers: (env['KAFKA_BROKERS'] ?? '').split(',') });
    producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await kafka?.onApplicationShutdown();
    tarpit?.closeAllConnections();
    await running?.close();
    for (const server of [tarpit, healthy]) await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  async function subscribe(tenant: string, url: string): Promise<void> {
    const answer = await fetch(`${running.baseUrl}/internal/webhooks`, {
      method: 'POST',
      headers: { authorization: await serviceAuthorization('ingest-api', 'fanout'), 'x-tenant': tenant, 'x-actor': 'int-spec', 'content-type': 'application/json' },
      body: JSON.stringify({ url, events: ['*'] }),
    });
    expect(answer.status).toBe(201);
  }

  async function publishFor(tenant: string): Promise<string> {
    const event: AssetEventEnvelope = { id: randomUUID(), created_on: new Date().toISOString(), event: 'asset.created', tenant, performed_by: 'int-spec', payload: sampleAsset() };
    await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages: [{ key: event.payload.id, value: JSON.stringify(event) }] });
    return event.id;
  }

  it("delivers the healthy tenant's events while the other tenant's 50 endpoints hang, holding only its share", async () => {
    const stuck = `t-${randomUUID()}`;
    const well = `t-${randomUUID()}`;
    for (let i = 0; i < 50; i += 1) await subscribe(stuck, `${tarpitUrl}/hook-${i}`);
    await subscribe(well, `${healthyUrl}/hook`);

    await publishFor(stuck);
    await waitFor('the tarpit holds its share', async () => tarpitOpen >= TENANT_SHARE, { timeoutMs: 30_000, intervalMs: 50 });

    const sent: string[] = [];
    for (let i = 0; i < 5; i += 1) sent.push(await publishFor(well));
    await waitFor('every healthy event delivered', async () => sent.every((id) => received.some((r) => r.eventId === id)), { timeoutMs: 30_000, intervalMs: 50 });

    // Everything happened while the tarpit still hung: it never got more than its share of the slots.
    expect(tarpitRequests).toBe(TENANT_SHARE);
    expect(Math.max(...received.map((r) => r.tarpitOpen))).toBe(TENANT_SHARE);
  }, 90_000);
});
