/**
 * Event latency benchmark (a command, not a test): `npm run bench -- events`.
 *
 * Starts its own Kafka, MongoDB-wire server and the four built services, then measures, one at a time so
 * that no measurement queues behind another:
 *  1. upload → Kafka: from the HTTP 201 of a one-request upload to its `asset.uploaded` event arriving at a
 *     plain kafkajs consumer outside the services (the outbox relay's whole path: commit signal, read,
 *     idempotent acks=all produce, broker, consumer fetch);
 *  2. Kafka → webhook: from producing an envelope on `assets.events.v1` to the signed POST arriving at a
 *     local receiver (fanout's consumer, delivery insert, worker wake-up, HTTP);
 *  3. the baseline both are compared with, in the same run: a bare idempotent acks=all produce to a
 *     scratch topic until the same kind of outside consumer has the message (Kafka's own hop).
 * Writes reports/bench/events.md and events.json. BENCH_EVENTS (500) sets the samples per measurement.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { TOPICS } from '@media/asset-model';
import { sampleAsset, sampleEnvelope } from '@media/testing';
import { startBenchSuite } from './bench-suite.util';
import { Arrivals, type Percentiles, percentiles } from './latency.util';

const SAMPLES = Number(process.env['BENCH_EVENTS'] ?? 500);
const WARM_UP = 30;
const GOALS = { uploadToKafkaP99Ms: 100, kafkaToWebhookP99Ms: 250 };
const BASELINE_TOPIC = 'bench.baseline.v1';

async function outsideConsumer(kafka: Kafka, topic: string, keyOf: (value: string) => string | undefined, arrivals: Arrivals): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = keyOf(String(message.value));
      if (key) arrivals.arrive(key);
    },
  });
  await joined;
  return consumer;
}

async function measure(count: number, once: (index: number) => Promise<number>): Promise<number[]> {
  for (let index = 0; index < WARM_UP; index += 1) await once(-1 - index);
  const values: number[] = [];
  for (let index = 0; index < count; index += 1) values.push(await once(index));
  return values;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const bench = await startBenchSuite('events', { fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32' } });
  const { reports } = bench;
  const kafka = new Kafka({ clientId: 'bench-events', brokers: bench.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const consumers: Consumer[] = [];
  let producer: Producer | undefined;
  const receiver = createServer();
  try {
    const tenant = `bench-${randomUUID().slice(0, 8)}`;
    const token = await bench.token(tenant);
    const gateway = bench.suite.urls['ingest-api'];

    // 1. upload → Kafka
    const eventArrivals = new Arrivals();
    consumers.push(
      await outsideConsumer(kafka, TOPICS.assetEvents, (value) => {
        const envelope = JSON.parse(value) as { event: string; payload: { id: string } };
        return envelope.event === 'asset.uploaded' ? envelope.payload.id : undefined;
      }, eventArrivals),
    );
    log(`upload → Kafka: ${SAMPLES} uploads after ${WARM_UP} warm-up`);
    const boundary = `bench${randomUUID()}`;
    const uploadToKafka = await measure(SAMPLES, async (index) => {
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="source"; filename="note-${index}.txt"\r\nContent-Type: text/plain\r\n\r\nbenchmark note ${index}\r\n--${boundary}--\r\n`;
      const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
      const acknowledgedAt = performance.now();
      if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
      const { id } = (await response.json()) as { id: string };
      return (await eventArrivals.wait(id)) - acknowledgedAt;
    });

    // 2. Kafka → webhook
    const hookArrivals = new Arrivals();
    receiver.on('request', (request, response) => {
      const id = request.headers['webhook-id'];
      request.resume();
      request.on('end', () => {
        if (typeof id === 'string') hookArrivals.arrive(id);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const registered = await fetch(`${gateway}/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: hookUrl, events: ['asset.changed'] }),
    });
    if (registered.status !== 201) throw new Error(`webhook registration answered ${registered.status}`);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const connectedProducer = producer;
    log(`Kafka → webhook: ${SAMPLES} events after ${WARM_UP} warm-up`);
    const kafkaToWebhook = await measure(SAMPLES, async () => {
      const asset = sampleAsset();
      // Stamped now: fanout delivers only events newer than the subscription.
      const envelope = { ...sampleEnvelope('asset.changed', asset, tenant), created_on: new Date().toISOString() };
      const sentAt = performance.now();
      await connectedProducer.send({ topic: TOPICS.assetEvents, acks: -1, messages: [{ key: asset.id, value: JSON.stringify(envelope) }] });
      return (await hookArrivals.wait(envelope.id)) - sentAt;
    });

    // 3. baseline: Kafka's own hop, same broker, same kind of client, same message size
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: BASELINE_TOPIC, numPartitions: 6 }], waitForLeaders: true });
    await admin.disconnect();
    const baselineArrivals = new Arrivals();
    consumers.push(await outsideConsumer(kafka, BASELINE_TOPIC, (value) => (JSON.parse(value) as { id: string }).id, baselineArrivals));
    log(`baseline: ${SAMPLES} bare produce → consume`);
    const baseline = await measure(SAMPLES, async () => {
      const envelope = sampleEnvelope('asset.uploaded', sampleAsset(), tenant);
      const sentAt = performance.now();
      await connectedProducer.send({ topic: BASELINE_TOPIC, acks: -1, messages: [{ key: envelope.payload.id, value: JSON.stringify(envelope) }] });
      return (await baselineArrivals.wait(envelope.id)) - sentAt;
    });

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      uploadToKafka: percentiles(uploadToKafka),
      kafkaToWebhook: percentiles(kafkaToWebhook),
      baseline: percentiles(baseline),
      goals: GOALS,
    };
    await writeFile(path.join(reports, 'events.json'), `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(path.join(reports, 'events.md'), render(result));
    process.stdout.write(render(result));
  } finally {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    await producer?.disconnect();
    receiver.close();
    await bench.stop();
  }
}

function render(result: {
  date: string;
  machine: { cpus: number; model: string; node: string };
  uploadToKafka: Percentiles;
  kafkaToWebhook: Percentiles;
  baseline: Percentiles;
  goals: typeof GOALS;
}): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const row = (name: string, p: Percentiles, goal: string) =>
    `| ${name} | ${p.samples} | ${ms(p.p50)} | ${ms(p.p90)} | ${ms(p.p99)} | ${ms(p.max)} | ${(p.p99 / result.baseline.p99).toFixed(2)} | ${goal} |`;
  const verdict = (p: Percentiles, goalMs: number) => `p99 ≤ ${goalMs} ms ${p.p99 <= goalMs ? 'met' : 'missed'}`;
  return `# Event latency benchmark

${result.date} · ${result.machine.cpus} × ${result.machine.model} · Node ${result.machine.node} · \`npm run bench -- events\`

| path | samples | p50 | p90 | p99 | max | p99 ÷ baseline p99 | goal |
|---|---|---|---|---|---|---|---|
${row('upload 201 → asset.uploaded at an outside consumer', result.uploadToKafka, verdict(result.uploadToKafka, result.goals.uploadToKafkaP99Ms))}
${row('event produced → webhook received', result.kafkaToWebhook, verdict(result.kafkaToWebhook, result.goals.kafkaToWebhookP99Ms))}
${row('baseline: bare acks=all produce → outside consumer', result.baseline, '—')}

## Method

All servers run on this machine: a real Kafka broker (KRaft), the MongoDB-wire server and the four built
services as processes. Measurements run one at a time (each waits for its arrival before the next starts),
after ${WARM_UP} unmeasured warm-up rounds each, so the numbers are latency and not queueing.

- **upload → Kafka** starts when the client has the 201 of \`POST /assets\` (a small one-request upload) and
  ends when a kafkajs consumer outside the services receives that asset's \`asset.uploaded\`. The event was
  committed in the asset document before the 201; the relay is woken by the commit, publishes with an
  idempotent acks=all producer, and only then removes it from the document. The value can be below the
  baseline: the relay starts publishing while the response is still on its way to the client.
- **event → webhook** starts when a producer sends an envelope to \`assets.events.v1\` and ends when the
  receiver has fanout's signed POST: consumer fetch, the delivery written to MongoDB, the worker woken,
  the SSRF-checked connection and the request.
- **baseline** is Kafka's own produce-to-consume hop on the same broker with the same clients and message
  size; the ratio column says how much the services add on top of it.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
