/**
 * The metadata read path under load: `GET /assets/{id}` and `GET /assets?limit=100` at 16 connections
 * (autocannon) with many assets stored, each against the fastest direct driver query answering the same
 * data in the same run, plus the gateway's `/health/live` as the floor of what any request costs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import type { Collection, Db } from 'mongodb';
import { type CpuUse, startCpuMeter } from './cpu-meter.util';

export interface ReadRate {
  requestsPerSecond: number;
  p99Ms: number;
  p50Ms: number;
}

export interface MetadataReadResult {
  assets: number;
  connections: number;
  seconds: number;
  getOne: { api: ReadRate; driver: ReadRate; ratio: number };
  /**
   * The same requests against a bare node:http server doing only the `findOne` and the JSON
   * (bare-read.server.ts): what any Node HTTP server reaches here, and the gateway's ratio to it.
   */
  bareServer: { rate: ReadRate; driverRatio: number; gatewayRatio: number };
  list: { api: ReadRate; driver: ReadRate; ratio: number };
  healthLive: ReadRate;
  goal: number;
  met: boolean;
  /** CPU seconds per 1,000 API requests, per process, while `GET /assets/{id}` ran. */
  cpuPerThousandGetOne: Record<string, number>;
}

/** Opens `count` uploads (status `uploading`: a full asset document without bytes or processing), 16 at a time. */
export async function seedAssets(gateway: string, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const response = await fetch(`${gateway}/assets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ upload_phase: 'start', file_size: 1000 + i, name: `asset ${i}`, tags: ['bench', `t${i % 10}`] }),
      });
      if (response.status !== 201) throw new Error(`seeding asset ${i}: ${response.status} ${await response.text()}`);
      ids.push(((await response.json()) as { id: string }).id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return ids;
}

export async function cannon(url: string, token: string | undefined, connections: number, seconds: number, paths?: () => string): Promise<ReadRate> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(paths ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, path: paths() }) }] } : {}),
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, p50Ms: result.latency.p50 };
}

/** `connections` loops issuing `query` back to back for `seconds`: the driver's own rate and latency. */
export async function driverRate(connections: number, seconds: number, query: (i: number) => Promise<unknown>): Promise<ReadRate> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let i = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await query(i++);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0;
  return { requestsPerSecond: latencies.length / elapsed, p99Ms: at(0.99), p50Ms: at(0.5) };
}

/**
 * Each seeded asset carries its asset.created event until the outbox relay has published it; measured
 * while the relay still drains the seed, ingest-api's CPU goes to Kafka publishing, not to the reads.
 */
export async function outboxDrained(assets: Collection<{ _id: string }>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await assets.countDocuments({ 'pending_events.id': { $exists: true } });
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`the outbox still holds the events of ${pending} seeded assets`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Starts bare-read.server.ts as a child process; answers its base URL and how to stop it. */
async function startBareReadServer(mongodbUri: string, database: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bare-read.server.ts')], {
    env: { ...process.env, MONGODB_URI: mongodbUri, BARE_READ_DB: database },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const port = /^listening (\d+)$/.exec(line)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    void exited.then(() => reject(new Error('bare-read.server.ts exited before it listened')));
  });
  const timeout = setTimeout(() => child.kill('SIGTERM'), 60_000);
  try {
    return { url: await ready, stop };
  } finally {
    clearTimeout(timeout);
  }
}

export async function measureMetadataReads(options: {
  mongodbUri: string;
  gateway: string;
  token: string;
  tenant: string;
  db: Db;
  ids: string[];
  pids: Record<string, number>;
  seconds: number;
  goal: number;
}): Promise<MetadataReadResult> {
  const { gateway, token, db, ids, seconds } = options;
  const connections = 16;
  const assets = db.collection<{ _id: string }>('assets');
  await outboxDrained(assets);
  // The newest assets: the case the local database server answered slowest for a compound query.
  const recent = ids.slice(-1000);
  let cursor = 0;
  const nextId = () => recent[cursor++ % recent.length] as string;

  const healthLive = await cannon(`${gateway}/health/live`, undefined, connections, seconds);
  const meter = startCpuMeter(options.pids);
  const getOneApi = await cannon(gateway, token, connections, seconds, () => `/assets/${nextId()}`);
  const use: CpuUse = meter();
  const getOneDriver = await driverRate(connections, seconds, () => assets.findOne({ _id: nextId() }));
  const bare = await startBareReadServer(options.mongodbUri, db.databaseName);
  let bareRate: ReadRate;
  try {
    bareRate = await cannon(bare.url, undefined, connections, seconds, () => `/assets/${nextId()}`);
  } finally {
    await bare.stop();
  }
  const listApi = await cannon(`${gateway}/assets?limit=100`, token, connections, seconds);
  const filter = { tenant: options.tenant, deleted_on: null };
  const listDriver = await driverRate(connections, seconds, () =>
    Promise.all([assets.countDocuments(filter), assets.find(filter).sort({ created_on: -1, _id: -1 }).limit(100).toArray()]),
  );
  const requests = getOneApi.requestsPerSecond * use.wallSeconds;
  const getOne = { api: getOneApi, driver: getOneDriver, ratio: getOneApi.requestsPerSecond / getOneDriver.requestsPerSecond };
  const bareServer = {
    rate: bareRate,
    driverRatio: bareRate.requestsPerSecond / getOneDriver.requestsPerSecond,
    gatewayRatio: getOneApi.requestsPerSecond / bareRate.requestsPerSecond,
  };
  const list = { api: listApi, driver: listDriver, ratio: listApi.requestsPerSecond / listDriver.requestsPerSecond };
  return {
    assets: ids.length,
    connections,
    seconds,
    getOne,
    bareServer,
    list,
    healthLive,
    goal: options.goal,
    met: getOne.ratio >= options.goal && list.ratio >= options.goal,
    cpuPerThousandGetOne: Object.fromEntries(Object.entries(use.cpuSeconds).map(([name, cpu]) => [name, (cpu / requests) * 1000])),
  };
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);

export function renderMetadataReads(result: MetadataReadResult | undefined): string[] {
  if (!result) return [];
  const row = (name: string, api: ReadRate, driver: ReadRate | undefined, ratio: number | undefined, goal: string) =>
    `| ${name} | ${fixed(api.requestsPerSecond, 0)} (p50 ${fixed(api.p50Ms)}, p99 ${fixed(api.p99Ms)}) | ${driver ? `${fixed(driver.requestsPerSecond, 0)} (p50 ${fixed(driver.p50Ms)}, p99 ${fixed(driver.p99Ms)})` : '–'} | ${ratio === undefined ? '–' : `**${fixed(ratio, 3)}**`} | ${goal} | ${ratio === undefined ? 'reference' : ratio >= result.goal ? '**met**' : '**missed**'} |`;
  const out = [
    '## Metadata reads',
    '',
    `${result.assets} assets stored (open uploads: whole asset documents), ${result.connections} connections, ${result.seconds} s each, autocannon against the gateway with a token; the driver side is the same number of concurrent loops of the query that returns the same data (\`findOne({_id})\`; \`countDocuments\` + \`find\` sorted by \`created_on\`, limit 100), from this process.`,
    '',
    '| request | API requests/s (ms) | direct driver queries/s (ms) | ratio | goal | verdict |',
    '|---|---|---|---|---|---|',
    row('`GET /assets/{id}` (1,000 most recent ids in turn)', result.getOne.api, result.getOne.driver, result.getOne.ratio, `≥ ${result.goal}`),
    `| the same against a bare node:http server doing only that \`findOne\` and the JSON (no token, rate limit, logs, spans, metrics, framework) | ${fixed(result.getOne.api.requestsPerSecond, 0)} | ${fixed(result.bareServer.rate.requestsPerSecond, 0)} (p50 ${fixed(result.bareServer.rate.p50Ms)}, p99 ${fixed(result.bareServer.rate.p99Ms)}) bare server | ${fixed(result.bareServer.gatewayRatio, 3)} | – | diagnosis: the bare server is ${fixed(result.bareServer.driverRatio, 3)} of the driver |`,
    row('`GET /assets?limit=100`', result.list.api, result.list.driver, result.list.ratio, `≥ ${result.goal}`),
    row('`GET /health/live` (no token, no database)', result.healthLive, undefined, undefined, '–'),
    '',
    `CPU seconds per 1,000 \`GET /assets/{id}\` requests: ${Object.entries(result.cpuPerThousandGetOne)
      .filter(([, seconds]) => seconds >= 0.005)
      .map(([name, seconds]) => `${name} ${fixed(seconds, 2)}`)
      .join(', ')}.`,
    '',
  ];
  return out;
}
