import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { assetEventEnvelopeSchema, type AssetEventEnvelope, TOPICS, verifyWebhook } from '@media/asset-model';
import { findRepoRoot, type IsolatedStack, multipartBody, startIsolatedStack, tokenFor } from '@media/testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

/**
 * "Never lose an event" under the failures that matter (issue 4): the relay killed between Kafka's
 * acknowledgement and the removal of the pending event, the broker down while clients keep uploading, and
 * fanout killed in the middle of a delivery. Each case runs on a stack of its own (own broker and database)
 * so killing processes cannot disturb the shared suite.
 */

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A consumer outside the services, reading the stack's public topic from the beginning. */
async function outsideConsumer(brokers: string): Promise<{ events: AssetEventEnvelope[]; stop: () => Promise<void> }> {
  const events: AssetEventEnvelope[] = [];
  const kafka = new Kafka({ clientId: 'durability-outside-consumer', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: `outside-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.assetEvents, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      events.push(assetEventEnvelopeSchema.parse(JSON.parse(String(message.value))));
    },
  });
  return { events, stop: () => consumer.disconnect() };
}

async function uploadNote(gateway: string, token: string, text: string): Promise<{ status: number; id: string }> {
  const { body, contentType } = multipartBody([{ name: 'source', value: text, filename: 'note.txt' }]);
  const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });
  const answer = (await response.json()) as { id: string };
  return { status: response.status, id: answer.id };
}

async function rename(gateway: string, token: string, id: string, name: string): Promise<number> {
  const response = await fetch(`${gateway}/assets/${id}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function pendingEventIds(databaseUri: string): Promise<Map<string, string[]>> {
  const client = await MongoClient.connect(databaseUri);
  try {
    const documents = await client.db().collection<{ _id: string; pending_events: { id: string }[] }>('assets').find({ 'pending_events.0': { $exists: true } }).toArray();
    return new Map(documents.map((document) => [document._id, document.pending_events.map((event) => event.id)]));
  } finally {
    await client.close();
  }
}

const killed = (child: { once: (event: 'exit', listener: () => void) => unknown; kill: (signal: NodeJS.Signals) => boolean }) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('the outbox relay killed between Kafka acknowledgement and removal', () => {
  let stack: IsolatedStack;
  let token: string;

  beforeAll(async () => {
    token = await tokenFor(`relay-${randomUUID().slice(0, 8)}`);
    stack = await startIsolatedStack({
      name: 'relay-crash',
      services: ['ingest-api', 'storage'],
      // Failpoints are refused in production, so this ingest-api runs as a test build.
      env: { 'ingest-api': { OUTBOX_FAILPOINT: 'hang-after-publish', NODE_ENV: 'test' } },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('publishes the same event ids again after restart, and nothing is missing', async () => {
    const consumer = await outsideConsumer(stack.kafka.brokers);
    try {
      const uploads = [];
      for (let n = 0; n < 3; n += 1) uploads.push(await uploadNote(stack.gateway, token, `relay crash ${n}`));
      expect(uploads.map((u) => u.status)).toEqual([201, 201, 201]);

      // The relay has sent the first asset's events, Kafka acknowledged them, and the relay now sits
      // before the removal: the outside consumer has them while the database still lists them as pending.
      const logFile = path.join(findRepoRoot(), 'reports', 'e2e-logs', 'relay-crash', 'ingest-api.log');
      await until('the failpoint', async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('failpoint hang-after-publish reached'));
      await until('the first published events', () => consumer.events.length > 0);
      const beforeKill = await pendingEventIds(stack.databaseUri);
      const published = new Set(consumer.events.map((event) => event.id));
      const publishedYetPending = [...beforeKill.values()].flat().filter((id) => published.has(id));
      expect(publishedYetPending.length).toBeGreaterThan(0);

      await killed(stack.suite.process('ingest-api'));
      await stack.suite.restart('ingest-api', { OUTBOX_FAILPOINT: '' });

      // Every event that was pending at the kill arrives, the acknowledged-but-not-removed ones a second
      // time under the same id; afterwards nothing is pending any more.
      const everyPending = [...beforeKill.values()].flat();
      await until('every pending event on Kafka', () => everyPending.every((id) => consumer.events.some((event) => event.id === id)));
      await until('those published twice to arrive again', () =>
        publishedYetPending.every((id) => consumer.events.filter((event) => event.id === id).length === 2),
      );
      await until('the outbox to drain', async () => (await pendingEventIds(stack.databaseUri)).size === 0);
      for (const { id } of uploads) {
        expect(consumer.events.filter((event) => event.payload.id === id).map((event) => event.event)).toEqual(
          expect.arrayContaining(['asset.created', 'asset.uploaded']),
        );
      }
      // At least once, never a new id for an old change: duplicates are exactly the re-published ids.
      const ids = consumer.events.map((event) => event.id);
      const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
      expect(new Set(duplicates)).toEqual(new Set(publishedYetPending));
      expect(ids.length).toBe(uploads.length * 2 + publishedYetPending.length);
    } finally {
      await consumer.stop();
    }
  }, 180_000);
});

describe('the broker stopped while uploads continue', () => {
  let stack: IsolatedStack;
  let token: string;

  beforeAll(async () => {
    token = await tokenFor(`outage-${randomUUID().slice(0, 8)}`);
    stack = await startIsolatedStack({ name: 'broker-outage', services: ['ingest-api', 'storage'] });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('delivers the event of every acknowledged change once the broker is back', async () => {
    // What clients were told happened: one entry per acknowledged request.
    const acknowledged: { id: string; event: string }[] = [];
    const act = async (label: string) => {
      const upload = await uploadNote(stack.gateway, token, label);
      expect(upload.status).toBe(201);
      acknowledged.push({ id: upload.id, event: 'asset.created' }, { id: upload.id, event: 'asset.uploaded' });
      expect(await rename(stack.gateway, token, upload.id, `${label} renamed`)).toBe(200);
      acknowledged.push({ id: upload.id, event: 'asset.changed' });
    };

    for (let n = 0; n < 5; n += 1) await act(`before ${n}`);
    await stack.kafka.halt();
    // Uploads keep being accepted: the events wait in the asset documents, not in the relay's memory.
    for (let n = 0; n < 10; n += 1) await act(`during ${n}`);
    const stillPending = await pendingEventIds(stack.databaseUri);
    expect(stillPending.size).toBeGreaterThan(0);
    await stack.kafka.resume();
    for (let n = 0; n < 5; n += 1) await act(`after ${n}`);

    const consumer = await outsideConsumer(stack.kafka.brokers);
    try {
      const seen = () => new Set(consumer.events.map((event) => `${event.payload.id} ${event.event}`));
      await until('every acknowledged change on Kafka', () => acknowledged.every(({ id, event }) => seen().has(`${id} ${event}`)), 90_000);
      // One asset's events keep the order of its changes.
      for (const id of new Set(acknowledged.map((entry) => entry.id))) {
        const order = consumer.events.filter((event) => event.payload.id === id).map((event) => event.event);
        expect([...new Set(order)]).toEqual(['asset.created', 'asset.uploaded', 'asset.changed']);
      }
      await until('the outbox to drain', async () => (await pendingEventIds(stack.databaseUri)).size === 0);
    } finally {
      await consumer.stop();
    }
  }, 300_000);
});

describe('fanout killed in the middle of a delivery', () => {
  let stack: IsolatedStack;
  let server: Server;
  let receiver: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  /** The first request is held open (the delivery is in flight) until the test lets it go. */
  let holdFirst = true;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (holdFirst) {
          holdFirst = false;
          held.push(response);
          return;
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    stack = await startIsolatedStack({
      name: 'fanout-crash',
      services: ['ingest-api', 'storage', 'fanout'],
      // A short lease so the restarted fanout takes the dead one's delivery over within seconds.
      env: { fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32', WEBHOOK_LEASE_SECONDS: '3', WEBHOOK_POLL_INTERVAL_MS: '200', WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,2' } },
    });
  }, 180_000);

  afterAll(async () => {
    for (const response of held) response.destroy();
    await stack?.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('completes the delivery after restart with the same webhook-id and a valid signature', async () => {
    const token = await tokenFor(`fanout-crash-${randomUUID().slice(0, 8)}`);
    const registered = await fetch(`${stack.gateway}/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver, events: ['asset.created'] }),
    });
    expect(registered.status).toBe(201);
    const webhook = (await registered.json()) as { id: string; secret: string };

    const upload = await uploadNote(stack.gateway, token, 'delivered despite a crash');
    expect(upload.status).toBe(201);
    await until('the first attempt to reach the receiver', () => received.length === 1);
    await killed(stack.suite.process('fanout'));
    for (const response of held) response.destroy();

    await stack.suite.restart('fanout');
    await until('the delivery to be sent again', () => received.length >= 2);
    const [first, second] = received;
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    const envelope = assetEventEnvelopeSchema.parse(JSON.parse(second?.body ?? ''));
    expect(envelope).toMatchObject({ event: 'asset.created', payload: { id: upload.id } });
    expect(second?.headers['webhook-id']).toBe(envelope.id);
    const signature = { id: String(second?.headers['webhook-id']), timestamp: String(second?.headers['webhook-timestamp']), signature: String(second?.headers['webhook-signature']) };
    expect(verifyWebhook(signature, second?.body ?? '', webhook.secret)).toBe(true);

    await until('the log to show the delivery succeeded', async () => {
      const response = await fetch(`${stack.gateway}/webhooks/${webhook.id}/deliveries`, { headers: { Authorization: `Bearer ${token}` } });
      const deliveries = (await response.json()) as { items: { event_id: string; status: string }[] };
      return deliveries.items.some((delivery) => delivery.event_id === envelope.id && delivery.status === 'succeeded');
    });
    // One delivery per (subscription, event): the restart did not create a second one.
    const response = await fetch(`${stack.gateway}/webhooks/${webhook.id}/deliveries`, { headers: { Authorization: `Bearer ${token}` } });
    const deliveries = (await response.json()) as { items: { event_id: string }[] };
    expect(deliveries.items.filter((delivery) => delivery.event_id === envelope.id)).toHaveLength(1);
  }, 180_000);
});
