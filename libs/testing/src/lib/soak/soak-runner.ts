import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { multipartBody } from '../e2e/raw-multipart';

/** The routes the soak drives, as the report names them. */
export const SOAK_ROUTES = ['POST /assets', 'GET /assets/{id}', 'GET /assets', 'PUT /assets/{id}', 'DELETE /assets/{id}', 'GET /cdn/{file}/{name}'] as const;
export type SoakRoute = (typeof SOAK_ROUTES)[number];

export interface SoakTarget {
  gateway: string;
  /** Each service's base URL: its /metrics is sampled for RSS, heap and consumer lag. */
  services: Record<string, string>;
  /** A token of the tenant with every scope. */
  token: string;
  tenant: string;
  /** The suite's database (name included), for the growth accounting at the end. */
  databaseUri: string;
}

export interface SoakOptions {
  durationMs: number;
  /** Operations started per second (open loop: the pace does not wait for answers). */
  rate: number;
  sampleIntervalMs?: number;
  /** Operations in flight at most; an operation due past it is not sent and counted as `skipped`. */
  maxInFlight?: number;
  /** After the traffic stops: how long events and byte collection may take to catch up. */
  quiesceMs?: number;
  /** A small JPEG: a share of the uploads are photos, so the encoder works too (without one, all are binary files). */
  photo?: Buffer;
  log?: (line: string) => void;
}

export interface MemorySample {
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Sum of `kafka_consumer_lag` over the service's groups and topics; null for a service without consumers. */
  consumerLag: number | null;
}

export interface SoakError {
  route: SoakRoute | 'webhook';
  what: string;
}

export interface DatabaseState {
  liveAssets: number;
  deletedAssets: number;
  files: number;
  fileBytes: number;
  /** Files whose asset is live. */
  liveFileBytes: number;
  /** Files whose asset was deleted or is unknown: bytes nothing accounts for once collection caught up. */
  orphanFiles: number;
  orphanFileBytes: number;
  /** Bytes of the originals of live assets, as the clients uploaded them. */
  originalBytesOfLiveAssets: number;
}

export interface SoakResult {
  startedAt: Date;
  trafficMs: number;
  rate: number;
  latenciesMs: Record<SoakRoute, number[]>;
  /** 412 answers to a PUT with a fresh ETag twice in a row (processing changed the asset in between): expected, not errors. */
  conflicts: number;
  skipped: number;
  errors: SoakError[];
  errorCount: number;
  /** Acknowledged write → its webhook arriving at the receiver, per event. */
  eventLagMs: number[];
  webhookDeliveries: number;
  /** Events whose webhook never arrived within the quiesce bound. */
  eventsMissing: number;
  samples: Record<string, MemorySample[]>;
  databaseBefore: DatabaseState;
  databaseAfter: DatabaseState;
  /** What the clients believe: live assets and their original bytes. */
  clientLiveAssets: number;
}

interface LiveAsset {
  id: string;
  originalUrl: string | null;
  bytes: number;
  busy: boolean;
}

const WEIGHTS: readonly (readonly [SoakRoute, number])[] = [
  ['POST /assets', 20],
  ['GET /assets/{id}', 25],
  ['GET /assets', 15],
  ['GET /cdn/{file}/{name}', 15],
  ['PUT /assets/{id}', 15],
  ['DELETE /assets/{id}', 10],
];
/** Below this many live assets a delete turns into an upload, so reads always have something to read. */
const MIN_LIVE_ASSETS = 10;
const MAX_ERRORS_KEPT = 25;

/** Prometheus text: the sum of a metric's samples (all label sets), or null when absent. */
export function metricSum(text: string, name: string): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

/**
 * Steady mixed traffic against a running suite for a while: uploads (binary files and photos), reads,
 * lists, byte reads through /cdn, metadata changes with If-Match, deletes, and webhook deliveries to a
 * local receiver. It records every answer's latency and every unexpected one, samples each service's
 * memory and consumer lag, and after the traffic, lets events and byte collection catch up before it
 * accounts for what the database holds. Reporting is `renderSoakReport`.
 */
export async function runSoak(target: SoakTarget, options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const maxInFlight = options.maxInFlight ?? 64;
  const sampleIntervalMs = options.sampleIntervalMs ?? 5000;
  const quiesceMs = options.quiesceMs ?? 60_000;
  const auth = { Authorization: `Bearer ${target.token}` };
  const latenciesMs = Object.fromEntries(SOAK_ROUTES.map((route) => [route, [] as number[]])) as Record<SoakRoute, number[]>;
  const errors: SoakError[] = [];
  let errorCount = 0;
  let conflicts = 0;
  let skipped = 0;
  const fail = (route: SoakError['route'], what: string) => {
    errorCount += 1;
    if (errors.length < MAX_ERRORS_KEPT) errors.push({ route, what });
  };

  // The webhook receiver: every delivery's arrival, keyed by event type and asset.
  const arrivals = new Map<string, number>();
  const seenDeliveries = new Set<string>();
  let webhookDeliveries = 0;
  const receiver: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      response.writeHead(200).end();
      try {
        const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; event: string; payload: { id: string } };
        const deliveryId = String(request.headers['webhook-id'] ?? envelope.id);
        if (seenDeliveries.has(deliveryId)) return; // at least once: a repeat is not a new delivery
        seenDeliveries.add(deliveryId);
        webhookDeliveries += 1;
        const key = `${envelope.event}:${envelope.payload.id}`;
        if (!arrivals.has(key)) arrivals.set(key, at);
      } catch {
        fail('webhook', 'a delivery whose body is not an event envelope');
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/soak`;
  const mongo = new MongoClient(target.databaseUri);
  await mongo.connect();
  const samples: Record<string, MemorySample[]> = Object.fromEntries(Object.keys(target.services).map((name) => [name, [] as MemorySample[]]));
  const live = new Map<string, LiveAsset>();
  /** Acknowledged writes whose webhook is expected: key → acknowledgement time. */
  const acknowledged = new Map<string, number>();
  let sampler: NodeJS.Timeout | undefined;

  try {
    const subscribed = await fetch(`${target.gateway}/webhooks`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, events: ['asset.created', 'asset.deleted'], description: 'soak receiver' }),
    });
    if (subscribed.status !== 201) throw new Error(`subscribing the soak receiver answered ${subscribed.status}: ${await subscribed.text()}`);
    const databaseBefore = await databaseState(mongo, target.tenant, live);

    const sample = async () => {
      await Promise.all(
        Object.entries(target.services).map(async ([name, url]) => {
          try {
            const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(4000) })).text();
            const rss = metricSum(text, 'process_resident_memory_bytes');
            const heap = metricSum(text, 'nodejs_heap_size_used_bytes');
            if (rss !== null && heap !== null) samples[name]?.push({ atMs: Date.now(), rssBytes: rss, heapUsedBytes: heap, consumerLag: metricSum(text, 'kafka_consumer_lag') });
          } catch (error) {
            log(`could not sample ${name}: ${String(error)}`);
          }
        }),
      );
    };
    await sample();
    sampler = setInterval(() => void sample(), sampleIntervalMs);

    const pick = (): LiveAsset | undefined => {
      const idle = [...live.values()].filter((asset) => !asset.busy);
      return idle[Math.floor(Math.random() * idle.length)];
    };
    const timed = async (route: SoakRoute, call: () => Promise<Response>): Promise<Response | null> => {
      const started = performance.now();
      try {
        const response = await call();
        latenciesMs[route].push(performance.now() - started);
        return response;
      } catch (error) {
        fail(route, `no answer: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      }
    };
    const expect = async (route: SoakRoute, response: Response | null, statuses: readonly number[]): Promise<boolean> => {
      if (response === null) return false;
      if (statuses.includes(response.status)) return true;
      fail(route, `${response.status} ${(await response.text().catch(() => '')).slice(0, 200)}`);
      return false;
    };
    let uploads = 0;

    const operations: Record<SoakRoute, () => Promise<void>> = {
      'POST /assets': async () => {
        uploads += 1;
        const photo = options.photo && uploads % 4 === 0;
        const bytes = photo ? (options.photo as Buffer) : randomBytes(1024 + Math.floor(Math.random() * 63 * 1024));
        const { body, contentType } = multipartBody([
          { name: 'name', value: `soak ${uploads}` },
          { name: 'tags', value: 'soak' },
          { name: 'source', filename: photo ? `photo-${uploads}.jpg` : `blob-${uploads}.bin`, value: bytes },
        ]);
        const response = await timed('POST /assets', () => fetch(`${target.gateway}/assets`, { method: 'POST', headers: { ...auth, 'Content-Type': contentType }, body }));
        if (!(await expect('POST /assets', response, [201]))) return;
        const asset = (await (response as Response).json()) as { id: string; cdn_files?: { items: { role: string; url: string }[] } };
        acknowledged.set(`asset.created:${asset.id}`, Date.now());
        const original = asset.cdn_files?.items.find((file) => file.role === 'original')?.url ?? null;
        live.set(asset.id, { id: asset.id, originalUrl: original === null ? null : new URL(original, target.gateway).toString(), bytes: bytes.length, busy: false });
      },
      'GET /assets/{id}': async () => {
        const asset = pick();
        if (!asset) return operations['POST /assets']();
        asset.busy = true;
        try {
          const response = await timed('GET /assets/{id}', () => fetch(`${target.gateway}/assets/${asset.id}`, { headers: auth }));
          if (await expect('GET /assets/{id}', response, [200])) await (response as Response).arrayBuffer();
        } finally {
          asset.busy = false;
        }
      },
      'GET /assets': async () => {
        const response = await timed('GET /assets', () => fetch(`${target.gateway}/assets?limit=20&tags=soak`, { headers: auth }));
        if (await expect('GET /assets', response, [200])) await (response as Response).arrayBuffer();
      },
      'GET /cdn/{file}/{name}': async () => {
        const asset = pick();
        if (!asset?.originalUrl) return operations['GET /assets']();
        asset.busy = true;
        try {
          const url = asset.originalUrl;
          const response = await timed('GET /cdn/{file}/{name}', () => fetch(url));
          if (!(await expect('GET /cdn/{file}/{name}', response, [200]))) return;
          const length = (await (response as Response).arrayBuffer()).byteLength;
          if (length !== asset.bytes) fail('GET /cdn/{file}/{name}', `read ${length} bytes of ${asset.bytes}`);
        } finally {
          asset.busy = false;
        }
      },
      'PUT /assets/{id}': async () => {
        const asset = pick();
        if (!asset) return operations['POST /assets']();
        asset.busy = true;
        try {
          // Processing may change the asset between the read and the write: one fresh try, then it is a conflict.
          for (let attempt = 1; attempt <= 2; attempt += 1) {
            const read = await fetch(`${target.gateway}/assets/${asset.id}`, { headers: auth });
            await read.arrayBuffer();
            const etag = read.headers.get('etag');
            if (read.status !== 200 || !etag) return fail('PUT /assets/{id}', `the read before the change answered ${read.status}`);
            const response = await timed('PUT /assets/{id}', () =>
              fetch(`${target.gateway}/assets/${asset.id}`, {
                method: 'PUT',
                headers: { ...auth, 'Content-Type': 'application/json', 'If-Match': etag },
                body: JSON.stringify({ name: `soak renamed ${Date.now()}`, tags: ['soak', `v${attempt}`] }),
              }),
            );
            if (response?.status === 412 && attempt < 2) {
              await response.arrayBuffer();
              continue;
            }
            if (response?.status === 412) {
              await response.arrayBuffer();
              conflicts += 1;
              return;
            }
            if (await expect('PUT /assets/{id}', response, [200])) await (response as Response).arrayBuffer();
            return;
          }
        } finally {
          asset.busy = false;
        }
      },
      'DELETE /assets/{id}': async () => {
        const asset = live.size > MIN_LIVE_ASSETS ? pick() : undefined;
        if (!asset) return operations['POST /assets']();
        live.delete(asset.id); // no other operation picks it from now on
        const response = await timed('DELETE /assets/{id}', () => fetch(`${target.gateway}/assets/${asset.id}`, { method: 'DELETE', headers: auth }));
        if (await expect('DELETE /assets/{id}', response, [204])) acknowledged.set(`asset.deleted:${asset.id}`, Date.now());
        else live.set(asset.id, asset);
      },
    };
    const totalWeight = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    const choose = (): SoakRoute => {
      let roll = Math.random() * totalWeight;
      for (const [route, weight] of WEIGHTS) {
        roll -= weight;
        if (roll < 0) return route;
      }
      return 'GET /assets';
    };

    // Seed a few assets so the first reads have something to read.
    for (let i = 0; i < MIN_LIVE_ASSETS; i += 1) await operations['POST /assets']();
    const startedAt = new Date();
    const start = performance.now();
    const inFlight = new Set<Promise<void>>();
    let lastProgress = start;
    for (let n = 0; ; n += 1) {
      const due = start + (n * 1000) / options.rate;
      if (due - start >= options.durationMs) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= maxInFlight) {
        skipped += 1;
        continue;
      }
      const route = choose();
      const running: Promise<void> = operations[route]()
        .catch((error: unknown) => fail(route, `the client failed: ${String(error)}`))
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      if (performance.now() - lastProgress > 60_000) {
        lastProgress = performance.now();
        log(`${Math.round((lastProgress - start) / 1000)} s: ${n} operations, ${errorCount} errors, ${live.size} live assets`);
      }
    }
    await Promise.all(inFlight);
    const trafficMs = performance.now() - start;
    log(`traffic done after ${Math.round(trafficMs / 1000)} s; waiting for events and byte collection`);

    // Quiesce: every acknowledged write's webhook, then the bytes of deleted assets.
    const quiesceUntil = Date.now() + quiesceMs;
    while (Date.now() < quiesceUntil && [...acknowledged.keys()].some((key) => !arrivals.has(key))) await sleep(250);
    const eventLagMs: number[] = [];
    let eventsMissing = 0;
    for (const [key, at] of acknowledged) {
      const arrived = arrivals.get(key);
      if (arrived !== undefined) eventLagMs.push(Math.max(0, arrived - at));
      else {
        eventsMissing += 1;
        fail('webhook', `no webhook for ${key} within ${quiesceMs} ms of the traffic's end`);
      }
    }
    let databaseAfter = await databaseState(mongo, target.tenant, live);
    while (Date.now() < quiesceUntil && databaseAfter.orphanFiles > 0) {
      await sleep(1000);
      databaseAfter = await databaseState(mongo, target.tenant, live);
    }
    clearInterval(sampler);
    sampler = undefined;
    await sample();
    return {
      startedAt,
      trafficMs,
      rate: options.rate,
      latenciesMs,
      conflicts,
      skipped,
      errors,
      errorCount,
      eventLagMs,
      webhookDeliveries,
      eventsMissing,
      samples,
      databaseBefore,
      databaseAfter,
      clientLiveAssets: live.size,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await mongo.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}

/** The tenant's assets and GridFS files, split into what live assets account for and what nothing does. */
async function databaseState(mongo: MongoClient, tenant: string, live: ReadonlyMap<string, LiveAsset>): Promise<DatabaseState> {
  const db = mongo.db();
  const assets = await db
    .collection<{ _id: string; deleted_on?: Date | null }>('assets')
    .find({ tenant }, { projection: { _id: 1, deleted_on: 1 } })
    .toArray();
  const liveIds = new Set(assets.filter((asset) => (asset.deleted_on ?? null) === null).map((asset) => String(asset._id)));
  const files = await db
    .collection<{ length: number; metadata?: { asset_id?: string } }>('fs.files')
    .find({ 'metadata.tenant': tenant }, { projection: { length: 1, 'metadata.asset_id': 1 } })
    .toArray();
  let fileBytes = 0;
  let liveFileBytes = 0;
  let orphanFiles = 0;
  let orphanFileBytes = 0;
  for (const file of files) {
    fileBytes += file.length;
    if (liveIds.has(String(file.metadata?.asset_id))) liveFileBytes += file.length;
    else {
      orphanFiles += 1;
      orphanFileBytes += file.length;
    }
  }
  return {
    liveAssets: liveIds.size,
    deletedAssets: assets.length - liveIds.size,
    files: files.length,
    fileBytes,
    liveFileBytes,
    orphanFiles,
    orphanFileBytes,
    originalBytesOfLiveAssets: [...live.values()].reduce((sum, asset) => sum + asset.bytes, 0),
  };
}
