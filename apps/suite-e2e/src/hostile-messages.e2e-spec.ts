import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { type IsolatedStack, makePhoto, metricSum, multipartBody, sampleAsset, sampleEnvelope, startIsolatedStack, tokenFor } from '@media/testing';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';

/** Every consumer of the suite, where its counted refusals show, and what a refusal is counted as. */
function consumersOf(urls: IsolatedStack['suite']['urls']) {
  return [
    { service: 'encoder', url: urls.encoder, topic: TOPICS.assetEvents, prefix: 'encoder_asset_events', refused: 'invalid' },
    { service: 'storage', url: urls.storage, topic: TOPICS.assetEvents, prefix: 'storage_asset_events', refused: 'invalid' },
    { service: 'fanout', url: urls.fanout, topic: TOPICS.assetEvents, prefix: 'fanout_asset_events', refused: 'dead_lettered' },
    { service: 'ingest-api', url: urls['ingest-api'], topic: TOPICS.processingResults, prefix: 'ingest_processing_results', refused: 'invalid' },
  ] as const;
}

const POISON_REPEATS = 5;

/** The hostile messages sent to one partition of a topic: each breaks the contract a different way. */
function hostileMessages(): Message[] {
  const valid = sampleEnvelope('asset.changed', sampleAsset(), `hostile-${randomUUID().slice(0, 8)}`);
  const key = randomUUID();
  return [
    { key, value: '{"id": "not even json', headers: { ce_specversion: '1.0' } },
    // A later schema of the message: a different shape on the same topic.
    { key, value: JSON.stringify({ schema_version: 2, data: valid }) },
    // The right shape, announced as another CloudEvents version.
    { key, value: JSON.stringify(valid), headers: { ce_specversion: '2.0', ce_type: valid.event } },
    // Valid, padded past the size bound (and under the broker's own 1 MiB).
    { key, value: JSON.stringify({ ...valid, padding: 'x'.repeat(800 * 1024) }) },
    { key, value: JSON.stringify({ ...valid, event: 'asset.exploded' }) },
    // No headers and no value at all (a tombstone).
    { key, value: null },
    ...Array.from({ length: POISON_REPEATS }, () => ({ key, value: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) })),
  ];
}

async function readMetrics(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`${url}/metrics answered ${response.status}`);
  return response.text();
}

const outcome = (text: string, prefix: string, name: string) => metricSum(text.split('\n').filter((line) => line.includes(`outcome="${name}"`)).join('\n'), `${prefix}_total`) ?? 0;

async function until<T>(what: string | (() => string), probe: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Hostile messages on every consumed topic, to every partition: malformed JSON, a later schema, another
 * CloudEvents version, an oversized value, an unknown event type, a value-less message without headers
 * and a poison message repeated. Each consumer counts each one as refused (skipped or dead-lettered, per
 * its contract), stays in its group, and then processes a real upload whose events queue behind them.
 * On a stack of its own: the shared topics are read from the beginning by other tests' strict consumers.
 */
describe('hostile messages on every consumed topic', () => {
  let stack: IsolatedStack;
  let producer: Producer;
  let receiver: Server;
  const deliveries: { event: string; assetId: string }[] = [];
  let mongo: MongoClient;
  let fixtures: string;
  const tenant = `hostile-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    stack = await startIsolatedStack({
      name: 'hostile-messages',
      services: ['ingest-api', 'storage', 'encoder', 'fanout'],
      env: { fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32', WEBHOOK_POLL_INTERVAL_MS: '200' } },
    });
    const kafka = new Kafka({ clientId: 'e2e-hostile-producer', brokers: stack.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; payload: { id: string } };
        deliveries.push({ event: envelope.event, assetId: envelope.payload.id });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    mongo = new MongoClient(stack.databaseUri);
    await mongo.connect();
    fixtures = await mkdtemp(path.join(os.tmpdir(), 'hostile-'));
  });

  afterAll(async () => {
    await producer?.disconnect();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    await mongo?.close();
    if (fixtures) await rm(fixtures, { recursive: true, force: true });
    await stack?.stop();
  }, 60_000);

  it('each consumer refuses every hostile message per its contract, stays up, and still processes the next valid event', async () => {
    const gateway = stack.gateway;
    const CONSUMERS = consumersOf(stack.suite.urls);
    const auth = { Authorization: `Bearer ${await tokenFor(tenant)}` };
    const hook = await fetch(`${gateway}/webhooks`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['asset.created'] }),
    });
    expect(hook.status).toBe(201);

    const before = await Promise.all(CONSUMERS.map(async (consumer) => {
      const text = await readMetrics(consumer.url);
      return { refused: outcome(text, consumer.prefix, consumer.refused), failed: outcome(text, consumer.prefix, 'failed') };
    }));
    const perPartition = hostileMessages().length;
    for (const topic of [TOPICS.assetEvents, TOPICS.processingResults]) {
      for (let partition = 0; partition < TOPIC_PARTITIONS[topic]; partition += 1) {
        await producer.send({ topic, acks: -1, messages: hostileMessages().map((message) => ({ ...message, partition })) });
      }
    }
    const expected = (topic: (typeof CONSUMERS)[number]['topic']) => perPartition * TOPIC_PARTITIONS[topic];

    // A real upload right behind them: its events and its processing result land after hostile messages on every partition.
    const photo = await readFile(await makePhoto(fixtures, { size: '160x120' }));
    const { body, contentType } = multipartBody([{ name: 'source', filename: 'after-the-storm.jpg', value: photo }]);
    const uploaded = await fetch(`${gateway}/assets`, { method: 'POST', headers: { ...auth, 'Content-Type': contentType }, body });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };

    // The precise signal: each consumer's count of refused messages reaches what was sent to its topic.
    for (const [index, consumer] of CONSUMERS.entries()) {
      const from = before[index]?.refused ?? 0;
      let seen = from;
      await until(
        () => `${consumer.service} to count ${expected(consumer.topic)} refused messages (counted ${seen - from})`,
        async () => (seen = outcome(await readMetrics(consumer.url), consumer.prefix, consumer.refused)) >= from + expected(consumer.topic),
      );
    }

    // Then the valid event's effects: fanout delivered it, the encoder processed it and ingest-api applied the result.
    await until('the webhook of the upload', async () => deliveries.some((d) => d.event === 'asset.created' && d.assetId === id));
    const ready = await until('the asset to be processed', async () => {
      const asset = (await (await fetch(`${gateway}/assets/${id}`, { headers: auth })).json()) as { status: string; cdn_files: { items: { role: string }[] } };
      return asset.status === 'ready' ? asset : undefined;
    });
    expect(ready.cdn_files.items.map((file) => file.role)).toContain('thumbnail');
    // And storage: deleting the asset makes its consumer remove every byte.
    expect((await fetch(`${gateway}/assets/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await until('storage to delete the asset\'s bytes', async () => (await mongo.db().collection('fs.files').countDocuments({ 'metadata.asset_id': id })) === 0);

    // No consumer gave up on a message (which would mean a crash loop on it), and each is still in its group.
    for (const [index, consumer] of CONSUMERS.entries()) {
      const text = await readMetrics(consumer.url);
      expect({ service: consumer.service, failed: outcome(text, consumer.prefix, 'failed') }).toEqual({ service: consumer.service, failed: before[index]?.failed });
      expect({ service: consumer.service, up: metricSum(text, `${consumer.prefix}_consumer_up`) }).toEqual({ service: consumer.service, up: 1 });
    }
  }, 90_000);
});
