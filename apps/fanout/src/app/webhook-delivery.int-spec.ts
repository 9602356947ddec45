import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AssetEventEnvelope, DEAD_LETTER_HEADERS, TOPICS, verifyWebhook } from '@media/asset-model';
import { KafkaClient } from '@media/messaging';
import { bootService, integrationEnv, type RunningService, sampleAsset, serviceAuthorization, startTcpRelay } from '@media/testing';
import type { Consumer, Producer } from 'kafkajs';
import { AppModule } from './app.module';
import { loadFanoutConfig } from './fanout.config';

interface Received {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
}

type Reply = (response: ServerResponse) => void;

/** A webhook receiver on loopback: answers from a script per path, records every request. */
class Receiver {
  readonly received = new Map<string, Received[]>();
  private readonly scripts = new Map<string, Reply[]>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const list = this.received.get(path) ?? [];
        list.push({ at: Date.now(), headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        this.received.set(path, list);
        const reply = this.scripts.get(path)?.shift();
        if (reply) reply(response);
        else response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  script(path: string, ...replies: Reply[]): string {
    this.scripts.set(path, replies);
    return `${this.url}${path}`;
  }

  of(path: string): Received[] {
    return this.received.get(path) ?? [];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const status = (code: number, headers: Record<string, string> = {}): Reply => (response) => response.writeHead(code, headers).end(`answer ${code}`);

async function eventually(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

function envelope(tenant: string, event: AssetEventEnvelope['event'] = 'asset.created'): AssetEventEnvelope {
  return { id: randomUUID(), created_on: new Date().toISOString(), event, tenant, performed_by: 'int-spec', payload: sampleAsset() };
}

interface Delivery {
  id: string;
  event_id: string;
  status: string;
  attempts: { at: string; status_code: number | null; error: string | null; duration_ms: number }[];
}

describe('fanout: assets.events.v1 → signed webhook deliveries', () => {
  const env = integrationEnv('fanout-webhooks', {
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
    WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1,1',
    WEBHOOK_POLL_INTERVAL_MS: '100',
    WEBHOOK_TIMEOUT_MS: '2000',
    FANOUT_MESSAGE_MAX_ATTEMPTS: '2',
  });
  const receiver = new Receiver();
  let running: RunningService;
  let kafka: KafkaClient;
  let producer: Producer;

  const boot = async () => {
    running = await bootService(AppModule.register(loadFanoutConfig(env)));
  };

  beforeAll(async () => {
    await receiver.start();
    await boot();
    kafka = new KafkaClient({ clientId: 'fanout-int-spec', brokers: (env['KAFKA_BROKERS'] ?? '').split(',') });
    producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await kafka?.onApplicationShutdown();
    await running?.close();
    await receiver.stop();
  });

  async function api<T>(method: string, path: string, tenant: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${running.baseUrl}/internal/webhooks${path}`, {
      method,
      headers: { authorization: await serviceAuthorization('ingest-api', 'fanout'), 'x-tenant': tenant, 'x-actor': 'int-spec', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function subscribe(tenant: string, url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
    const created = await api<{ id: string; secret: string }>('POST', '', tenant, { url, events });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function publish(value: string, key: string = randomUUID()): Promise<void> {
    await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages: [{ key, value }] });
  }

  const deliveries = async (tenant: string, webhookId: string) => (await api<{ items: Delivery[] }>('GET', `/${webhookId}/deliveries`, tenant)).body.items;

  it('delivers the exact envelope, signed, and retries a 500 with the same webhook-id', async () => {
    const tenant = `t-${randomUUID()}`;
    const url = receiver.script('/retry-500', status(500), status(200));
    const { id, secret } = await subscribe(tenant, url);
    const event = envelope(tenant);
    const value = JSON.stringify(event);
    await publish(value);

    await eventually('two attempts', () => receiver.of('/retry-500').length >= 2);
    const [first, second] = receiver.of('/retry-500');
    for (const request of [first, second]) {
      expect(request?.body).toBe(value);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers['webhook-id']).toBe(event.id);
      const headers = { id: String(request?.headers['webhook-id']), timestamp: String(request?.headers['webhook-timestamp']), signature: String(request?.headers['webhook-signature']) };
      expect(verifyWebhook(headers, request?.body ?? '', secret)).toBe(true);
    }
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(700);

    await eventually('the delivery succeeded', async () => (await deliveries(tenant, id))[0]?.status === 'succeeded');
    const [delivery] = await deliveries(tenant, id);
    expect(delivery?.event_id).toBe(event.id);
    expect(delivery?.attempts.map((a) => a.status_code)).toEqual([500, 200]);
    expect(delivery?.attempts[0]?.duration_ms).toEqual(expect.any(Number));
  });

  it('creates one delivery per subscription and event, also when Kafka redelivers, and honours the filter', async () => {
    const tenant = `t-${randomUUID()}`;
    const all = await subscribe(tenant, receiver.script('/all'));
    const deletes = await subscribe(tenant, receiver.script('/deletes'), ['asset.deleted']);
    const other = await subscribe(`other-${tenant}`, receiver.script('/other-tenant'));
    const event = envelope(tenant, 'asset.changed');
    const value = JSON.stringify(event);
    // One key, so the redelivery and the event after it share a partition: the duplicate is skipped as
    // handled, not retried and dead-lettered while the next event waits behind it.
    const key = randomUUID();
    const dead: string[] = [];
    const dlq = kafka.kafka.consumer({ groupId: `dlq-${randomUUID()}`, maxWaitTimeInMs: 200 });
    try {
      await dlq.connect();
      await dlq.subscribe({ topic: TOPICS.assetEventsDeadLetter, fromBeginning: true });
      await dlq.run({
        eachMessage: async ({ message }) => {
          if (String(message.key) === key) dead.push(String(message.value));
        },
      });
      await publish(value, key);
      await publish(value, key);
      const next = envelope(tenant, 'asset.changed');
      await publish(JSON.stringify(next), key);
      await eventually('delivered', async () => (await deliveries(tenant, all.id)).filter((d) => d.status === 'succeeded').length === 2);
      await sleep(1000);
      expect(dead).toEqual([]);
    } finally {
      await dlq.disconnect();
    }
    expect((await deliveries(tenant, all.id)).filter((d) => d.event_id === event.id)).toHaveLength(1);
    expect(receiver.of('/all')).toHaveLength(2);
    expect(await deliveries(tenant, deletes.id)).toHaveLength(0);
    expect(receiver.of('/other-tenant')).toHaveLength(0);
    // Tenancy: another tenant's webhook is not found, in any of its routes.
    expect((await api('GET', `/${other.id}`, tenant)).status).toBe(404);
    expect((await api('GET', `/${other.id}/deliveries`, tenant)).status).toBe(404);
  });

  it('honours Retry-After', async () => {
    const tenant = `t-${randomUUID()}`;
    await subscribe(tenant, receiver.script('/retry-after', status(503, { 'Retry-After': '3' }), status(200)));
    await publish(JSON.stringify(envelope(tenant)));
    await eventually('two attempts', () => receiver.of('/retry-after').length >= 2);
    const [first, second] = receiver.of('/retry-after');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(2_900);
  });

  it('disables the subscription on 410 and delivers nothing more to it', async () => {
    const tenant = `t-${randomUUID()}`;
    const { id } = await subscribe(tenant, receiver.script('/gone', status(410)));
    await publish(JSON.stringify(envelope(tenant)));
    await eventually('disabled', async () => (await api<{ status: string }>('GET', `/${id}`, tenant)).body.status === 'disabled');
    const [delivery] = await deliveries(tenant, id);
    expect(delivery?.status).toBe('failed');
    expect(delivery?.attempts.map((a) => a.status_code)).toEqual([410]);
    await publish(JSON.stringify(envelope(tenant)));
    await sleep(1500);
    expect(receiver.of('/gone')).toHaveLength(1);
    expect(await deliveries(tenant, id)).toHaveLength(1);
  });

  it('does not follow redirects, and keeps an exhausted delivery for a manual retry', async () => {
    const tenant = `t-${randomUUID()}`;
    const redirect = status(302, { Location: 'http://169.254.169.254/latest/meta-data/' });
    const { id } = await subscribe(tenant, receiver.script('/redirect', redirect, redirect, redirect, redirect, status(200)));
    await publish(JSON.stringify(envelope(tenant)));
    await eventually('exhausted', async () => (await deliveries(tenant, id))[0]?.status === 'failed');
    const [delivery] = await deliveries(tenant, id);
    expect(delivery?.attempts.map((a) => a.status_code)).toEqual([302, 302, 302, 302]);
    expect(receiver.of('/redirect')).toHaveLength(4);

    const retried = await api<Delivery>('POST', `/${id}/deliveries/${delivery?.id}/retry`, tenant);
    expect(retried.status).toBe(202);
    await eventually('retried by hand', async () => (await deliveries(tenant, id))[0]?.status === 'succeeded');
    expect(receiver.of('/redirect').map((r) => r.headers['webhook-id'])).toEqual(Array(5).fill(delivery?.event_id));
  });

  it('refuses forbidden URLs at registration', async () => {
    const tenant = `t-${randomUUID()}`;
    for (const url of ['http://127.2/', 'http://2130706434/', 'http://0177.0.0.2/', 'http://[::ffff:127.0.0.2]/', 'http://[::1]/', 'http://169.254.169.254/', 'http://10.1/', 'ftp://example.com/']) {
      const answer = await api<{ code: string }>('POST', '', tenant, { url, events: ['*'] });
      expect({ url, status: answer.status, code: answer.body.code }).toEqual({ url, status: 400, code: 'webhook_url_forbidden' });
    }
  });

  it('sends a poison message to the dead-letter topic with its reason, and goes on', async () => {
    const tenant = `t-${randomUUID()}`;
    await subscribe(tenant, receiver.script('/after-poison'));
    const key = `poison-${randomUUID()}` as string;
    let dlq: Consumer | undefined;
    const dead: { reason: string; value: string }[] = [];
    try {
      dlq = kafka.kafka.consumer({ groupId: `dlq-${randomUUID()}`, maxWaitTimeInMs: 200 });
      await dlq.connect();
      await dlq.subscribe({ topic: TOPICS.assetEventsDeadLetter, fromBeginning: true });
      await dlq.run({
        eachMessage: async ({ message }) => {
          if (String(message.key) === key) dead.push({ reason: String(message.headers?.[DEAD_LETTER_HEADERS.reason]), value: String(message.value) });
        },
      });
      await publish('{not json', key);
      await publish(JSON.stringify(envelope(tenant)), key);
      await eventually('the next event delivered', () => receiver.of('/after-poison').length === 1);
      await eventually('dead-lettered', () => dead.length === 1);
      expect(dead[0]).toEqual({ reason: 'the value is not JSON', value: '{not json' });
    } finally {
      await dlq?.disconnect();
    }
  });

  it('never sends one delivery twice when two replicas share the queue', async () => {
    const tenant = `t-${randomUUID()}`;
    await subscribe(tenant, receiver.script('/replicas'));
    const second = await bootService(AppModule.register(loadFanoutConfig(env)));
    try {
      const events = Array.from({ length: 30 }, () => envelope(tenant));
      await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages: events.map((event) => ({ key: event.payload.id, value: JSON.stringify(event) })) });
      await eventually('all delivered', () => receiver.of('/replicas').length >= events.length);
      await sleep(1500);
      const ids = receiver.of('/replicas').map((r) => String(r.headers['webhook-id']));
      expect(ids).toHaveLength(events.length);
      expect(new Set(ids)).toEqual(new Set(events.map((event) => event.id)));
    } finally {
      await second.close();
    }
  });

  it('still delivers a pending retry after a restart, with the same webhook-id', async () => {
    const tenant = `t-${randomUUID()}`;
    const { id } = await subscribe(tenant, receiver.script('/restart', status(503, { 'Retry-After': '4' }), status(200)));
    const event = envelope(tenant);
    await publish(JSON.stringify(event));
    await eventually('first attempt recorded', async () => (await deliveries(tenant, id))[0]?.attempts.length === 1);
    await running.close();
    await boot();
    await eventually('delivered after the restart', async () => (await deliveries(tenant, id))[0]?.status === 'succeeded');
    expect(receiver.of('/restart').map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
  });
  it('keeps an event whose planning meets a database restart: not dead-lettered, delivered once the database is back', async () => {
    // This replica reaches the database through a relay that can be cut; the usual one steps aside meanwhile.
    await running.close();
    const relay = await startTcpRelay(env['MONGODB_URI'] ?? '');
    running = await bootService(AppModule.register(loadFanoutConfig({ ...env, MONGODB_URI: relay.uri })));
    const tenant = `t-${randomUUID()}`;
    const key = `outage-${randomUUID()}`;
    const dead: string[] = [];
    const dlq = kafka.kafka.consumer({ groupId: `dlq-${randomUUID()}`, maxWaitTimeInMs: 200 });
    try {
      await subscribe(tenant, receiver.script('/through-outage'));
      await dlq.connect();
      await dlq.subscribe({ topic: TOPICS.assetEventsDeadLetter, fromBeginning: true });
      await dlq.run({
        eachMessage: async ({ message }) => {
          if (String(message.key) === key) dead.push(String(message.headers?.[DEAD_LETTER_HEADERS.reason]));
        },
      });
      relay.cut();
      await publish(JSON.stringify(envelope(tenant)), key);
      // Longer than FANOUT_MESSAGE_MAX_ATTEMPTS (2 here) failed plans of 5 s server selection each: the
      // rule that counted every failure parked the event on the dead-letter topic within this time.
      await sleep(13_000);
      relay.restore();
      await eventually('the event delivered after the outage', () => receiver.of('/through-outage').length === 1);
      expect(dead).toEqual([]);
    } finally {
      await dlq.disconnect();
      await running.close();
      await relay.close();
      await boot();
    }
  }, 90_000);
});
