/**
 * Webhook fairness benchmark (a command, not a test): `npm run bench -- fairness`.
 *
 * One healthy tenant with one endpoint; its event → webhook latency is measured twice on the same built
 * services: alone, and while another tenant's 50 subscriptions point at a tarpit (accepts connections,
 * never answers) and that tenant keeps producing events, so its deliveries hang until fanout's timeout and
 * pile up. The goal: the healthy tenant's p99 with the tarpit stays within 2× its p99 without.
 * Writes reports/bench/fairness.md and fairness.json. BENCH_FAIRNESS (200) sets the samples per phase.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@media/asset-model';
import { sampleAsset, sampleEnvelope } from '@media/testing';
import { startBenchSuite } from './bench-suite.util';
import { Arrivals, type Percentiles, percentiles } from './latency.util';

const SAMPLES = Number(process.env['BENCH_FAIRNESS'] ?? 200);
const WARM_UP = 20;
const TARPIT_SUBSCRIPTIONS = 50;
const GOAL_RATIO = 2;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const bench = await startBenchSuite('fairness', { fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32' } });
  const kafka = new Kafka({ clientId: 'bench-fairness', brokers: bench.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const arrivals = new Arrivals();
  const healthy = createServer((request, response) => {
    const id = request.headers['webhook-id'];
    request.resume();
    request.on('end', () => {
      if (typeof id === 'string') arrivals.arrive(id);
      response.writeHead(204).end();
    });
  });
  let tarpitHits = 0;
  const tarpit = createServer(() => {
    tarpitHits += 1;
  });
  try {
    await producer.connect();
    const gateway = bench.suite.urls['ingest-api'];
    const subscribe = async (tenant: string, url: string) => {
      const answer = await fetch(`${gateway}/webhooks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await bench.token(tenant)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url, events: ['*'] }),
      });
      if (answer.status !== 201) throw new Error(`webhook registration answered ${answer.status}: ${await answer.text()}`);
    };
    const publish = async (tenant: string) => {
      const envelope = { ...sampleEnvelope('asset.changed', sampleAsset(), tenant), created_on: new Date().toISOString() };
      await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages: [{ key: envelope.payload.id, value: JSON.stringify(envelope) }] });
      return envelope.id;
    };
    const well = `bench-well-${randomUUID().slice(0, 8)}`;
    const stuck = `bench-stuck-${randomUUID().slice(0, 8)}`;
    await subscribe(well, `${await listen(healthy)}/hook`);
    const tarpitUrl = await listen(tarpit);
    for (let i = 0; i < TARPIT_SUBSCRIPTIONS; i += 1) await subscribe(stuck, `${tarpitUrl}/hook-${i}`);

    const measure = async (label: string, beforeEach: () => Promise<void>) => {
      log(`${label}: ${SAMPLES} events after ${WARM_UP} warm-up`);
      const values: number[] = [];
      for (let index = -WARM_UP; index < SAMPLES; index += 1) {
        await beforeEach();
        const sentAt = performance.now();
        const id = await publish(well);
        const latency = (await arrivals.wait(id, 60_000)) - sentAt;
        if (index >= 0) values.push(latency);
      }
      return percentiles(values);
    };
    const alone = await measure('healthy tenant alone', async () => undefined);
    // Every healthy event is preceded by one of the stuck tenant's: 50 more hanging deliveries each time.
    const withTarpit = await measure(`with ${TARPIT_SUBSCRIPTIONS} tarpit subscriptions of another tenant`, async () => {
      await publish(stuck);
    });
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      alone,
      withTarpit,
      ratio: withTarpit.p99 / alone.p99,
      tarpitRequests: tarpitHits,
    };
    await writeFile(path.join(bench.reports, 'fairness.json'), `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(path.join(bench.reports, 'fairness.md'), render(result));
    process.stdout.write(render(result));
  } finally {
    await producer.disconnect().catch(() => undefined);
    tarpit.closeAllConnections();
    healthy.close();
    tarpit.close();
    await bench.stop();
  }
}

function render(result: { date: string; machine: { cpus: number; model: string; node: string }; alone: Percentiles; withTarpit: Percentiles; ratio: number; tarpitRequests: number }): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const row = (name: string, p: Percentiles) => `| ${name} | ${p.samples} | ${ms(p.p50)} | ${ms(p.p90)} | ${ms(p.p99)} | ${ms(p.max)} |`;
  return `# Webhook fairness benchmark

${result.date} · ${result.machine.cpus} × ${result.machine.model} · Node ${result.machine.node} · \`npm run bench -- fairness\`

| healthy tenant's event → webhook | samples | p50 | p90 | p99 | max |
|---|---|---|---|---|---|
${row('alone', result.alone)}
${row(`another tenant's ${TARPIT_SUBSCRIPTIONS} endpoints hang`, result.withTarpit)}

p99 with the tarpit ÷ p99 alone: **${result.ratio.toFixed(2)}** (goal ≤ ${GOAL_RATIO}: ${result.ratio <= GOAL_RATIO ? 'met' : 'missed'}).
The tarpit received ${result.tarpitRequests} requests during the run (it answers none).

## Method

The four built services, a real Kafka broker and the MongoDB-wire server run on this machine with fanout's
defaults (16 deliveries at once per replica, at most 4 per tenant and 2 per endpoint, 10 s timeout). Each
sample produces one event of the healthy tenant on \`assets.events.v1\` and waits for the signed POST at
its receiver before the next. In the second phase every sample is preceded by an event of the other
tenant, whose 50 subscriptions point at a server that accepts connections and never answers: its
deliveries hang until the timeout and then wait for their retry, so its backlog only grows.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
