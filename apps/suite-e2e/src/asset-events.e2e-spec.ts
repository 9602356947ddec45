import { randomUUID } from 'node:crypto';
import { assetEventEnvelopeSchema, type AssetEventEnvelope, TOPICS } from '@media/asset-model';
import { e2eContext, multipartBody, tokenFor } from '@media/testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';

const context = e2eContext();

interface Received {
  key: string;
  headers: Record<string, string>;
  envelope: AssetEventEnvelope;
}

/** An internal service's view: a plain Kafka consumer outside the services reads assets.events.v1. */
describe('asset events on Kafka', () => {
  let consumer: Consumer;
  const received: Received[] = [];
  let token: string;
  const tenant = `events-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    token = await tokenFor(tenant);
    const kafka = new Kafka({ clientId: 'e2e-outside-consumer', brokers: context.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `e2e-${randomUUID()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.assetEvents, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        const envelope = assetEventEnvelopeSchema.parse(JSON.parse(String(message.value)));
        if (envelope.tenant === tenant) received.push({ key: String(message.key), headers, envelope });
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
  });

  const eventsOf = (id: string) => received.filter((r) => r.envelope.payload.id === id);
  /** What the client's own requests caused (the encoder's `asset.changed` comes in between, on its own schedule). */
  const clientEventsOf = (id: string) => eventsOf(id).filter((r) => r.envelope.performed_by === `e2e-${tenant}`);

  async function until(what: string, probe: () => boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(received.map((r) => r.envelope.event))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('fires created, uploaded, changed and deleted for one asset, keyed by its id, in order, with CloudEvents headers', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const auth = { Authorization: `Bearer ${token}` };
    const { body, contentType } = multipartBody([{ name: 'source', value: 'hello events', filename: 'note.txt' }]);
    const created = await fetch(`${context.gateway}/assets`, { method: 'POST', headers: { ...auth, 'Content-Type': contentType, traceparent }, body });
    const { id } = (await created.json()) as { id: string };
    await fetch(`${context.gateway}/assets/${id}`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Renamed' }) });
    await fetch(`${context.gateway}/assets/${id}`, { method: 'DELETE', headers: auth });

    await until('four events', () => clientEventsOf(id).length >= 4);
    const events = clientEventsOf(id);
    expect(events.map((e) => e.envelope.event)).toEqual(['asset.created', 'asset.uploaded', 'asset.changed', 'asset.deleted']);
    expect(new Set(events.map((e) => e.envelope.id)).size).toBe(4);
    for (const { key, headers, envelope } of events) {
      expect(key).toBe(id);
      expect(envelope).toMatchObject({ tenant, performed_by: `e2e-${tenant}` });
      expect(headers).toMatchObject({
        ce_specversion: '1.0',
        ce_id: envelope.id,
        ce_type: envelope.event,
        ce_source: '/media-assets/ingest-api',
        'content-type': 'application/json',
      });
      expect(Date.parse(headers['ce_time'] ?? '')).not.toBeNaN();
      expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    }
    // The caller's trace goes on: same trace id, the gateway's request span as the parent.
    expect(events[0]?.headers['traceparent']?.split('-')[1]).toBe(traceparent.split('-')[1]);
    expect(events[2]?.envelope.payload.name).toBe('Renamed');
    expect(events[3]?.envelope.payload).toMatchObject({ id, name: 'Renamed' });
  });

  it('fires created at start and uploaded at finish for a resumable upload, nothing per chunk', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const start = await fetch(`${context.gateway}/assets`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'start', file_size: 20 }) });
    const { id } = (await start.json()) as { id: string };
    for (const piece of ['0123456789', 'abcdefghij']) {
      const { body, contentType } = multipartBody([{ name: 'upload_phase', value: 'transfer' }, { name: 'file_chunk', value: piece, filename: 'p' }]);
      await fetch(`${context.gateway}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth, 'Content-Type': contentType }, body });
    }
    for (let i = 0; i < 2; i += 1) {
      await fetch(`${context.gateway}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"upload_phase":"finish"}' });
    }
    await until('created and uploaded', () => clientEventsOf(id).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(clientEventsOf(id).map((e) => e.envelope.event)).toEqual(['asset.created', 'asset.uploaded']);
    expect(clientEventsOf(id)[1]?.envelope.payload).toMatchObject({ status: 'processing', file_size: 20 });
  });
});
