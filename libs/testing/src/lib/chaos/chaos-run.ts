import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ASSET_EVENT_TYPES, assetEventEnvelopeSchema, DEAD_LETTER_HEADERS, TOPICS } from '@media/asset-model';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { serviceIdentityEnv } from '@media/service-identity';
import { verifyWebhook } from '@media/webhook-signature';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { AssetHistory, Bounds, Observation, ObservedAsset, ObservedEvent, ReceivedWebhook, Subscription, Violation } from './chaos-history';
import { type Flow, HistoryRecorder, runChaosClient } from './chaos-clients';
import { type FaultKind, type FaultLogEntry, runFaults } from './chaos-faults';
import { checkInvariants } from './chaos-invariants';
import { chaosLogs, startChaosStack } from './chaos-stack';
import { seededRandom } from './seeded-random';

export interface ChaosRunOptions {
  repoRoot: string;
  /** Folder name of the service logs under reports/chaos-logs/. */
  name: string;
  seed: number;
  /** How long clients and faults run; the quiescence and the checks come after. */
  durationMs: number;
  clients: number;
  replicasPerService: number;
  mongodbUri: string;
  broker: { brokers: string; freeze(): void; thaw(): void };
  restartDatabase?: (() => Promise<void>) | undefined;
  /** Mean pause between two faults. */
  meanFaultGapMs: number;
  /** Relative weights of the fault kinds (see runFaults). */
  faultWeights?: Partial<Record<FaultKind, number>>;
  /** The upload TTL the services run with (short, so abandoned uploads expire within the run). */
  uploadTtlSeconds: number;
  /** The collector's grace: bytes younger than this are never collected. */
  gcGraceSeconds: number;
  log: (line: string) => void;
}

export interface ChaosResult {
  seed: number;
  startedAt: string;
  durationMs: number;
  clients: number;
  replicasPerService: number;
  flows: Record<string, number>;
  faults: FaultLogEntry[];
  acked: number;
  lostCreates: number;
  statuses: Record<string, number>;
  assets: number;
  events: number;
  webhooks: number;
  quiesceMs: number;
  /** Whether the system settled (no outbox, no upload or job in flight, no violation) before the bound. */
  settled: boolean;
  bounds: Bounds;
  orphans: Observation['orphans'];
  violations: Violation[];
  histories: AssetHistory[];
  databaseRestarts: boolean;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const JOB_TIMEOUT_SECONDS = 30;
const JOB_ATTEMPTS = 3;

async function mapLimit<T, R>(items: readonly T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await each(items[index] as T);
      }
    }),
  );
  return results;
}

/** The webhook receiver: verifies each delivery's signature with its tenant's secret, and now and then fails it. */
async function startReceiver(secrets: Map<string, string>, failRatio: number, random: () => number): Promise<{ url: string; received: ReceivedWebhook[]; server: Server }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const tenant = decodeURIComponent((request.url ?? '').split('/').pop() ?? '');
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(request.headers[name] ?? '');
      // Failing a delivery sends it round the retry schedule: the event must still arrive in the end.
      if (random() < failRatio) return void response.writeHead(503).end();
      const secret = secrets.get(tenant) ?? '';
      const signatureValid = verifyWebhook({ id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') }, body, secret);
      let eventId = header('webhook-id');
      try {
        eventId = (JSON.parse(body) as { id: string }).id;
      } catch {
        // The header's id stands; a body that is not JSON fails the signature anyway.
      }
      received.push({ webhookId: header('webhook-id'), tenant, eventId, signatureValid });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

/**
 * One chaos run: a stack of `replicasPerService` processes per service, seeded clients and seeded faults for
 * `durationMs`, then a bounded wait for the system to settle while the invariants are checked over and
 * over; the last check's violations are the run's.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosResult> {
  const { log } = options;
  const random = seededRandom(options.seed);
  const clientRandoms = Array.from({ length: options.clients }, () => random.fork());
  const faultRandom = random.fork();
  const receiverRandom = random.fork();
  const jwtSecret = randomBytes(32).toString('base64url');
  const tenants = [`chaos-a-${options.seed}`, `chaos-b-${options.seed}`];
  const tokens = new Map(await Promise.all(tenants.map(async (tenant) => [tenant, await mintHs256Token({ secret: jwtSecret, tenant, scopes: SCOPES, subject: 'chaos', ttlSeconds: 24 * 3600 })] as const)));
  const bounds: Bounds = {
    // The TTL, a sweep, and a restart of the replica that would sweep.
    uploadingSeconds: options.uploadTtlSeconds + 30,
    // Every attempt at its wall-clock bound, plus the leases and back-offs between attempts.
    processingSeconds: JOB_ATTEMPTS * (JOB_TIMEOUT_SECONDS + 10) + 30,
  };
  const stack = await startChaosStack({
    repoRoot: options.repoRoot,
    mongodbUri: options.mongodbUri,
    database: `chaos_${randomBytes(4).toString('hex')}`,
    kafkaBrokers: options.broker.brokers,
    jwtSecret,
    identity: serviceIdentityEnv(),
    logs: chaosLogs(options.repoRoot, options.name),
    replicasPerService: options.replicasPerService,
    env: {
      all: { LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '5' },
      'ingest-api': {
        UPLOAD_TTL_SECONDS: String(options.uploadTtlSeconds),
        UPLOAD_EXPIRY_SWEEP_SECONDS: '2',
        UPLOAD_LEASE_SECONDS: '5',
        // The clients are few and honest; the limiter is not what this run is about.
        RATE_LIMIT_READS_PER_SECOND: '100000',
        RATE_LIMIT_READS_BURST: '100000',
        RATE_LIMIT_WRITES_PER_SECOND: '100000',
        RATE_LIMIT_WRITES_BURST: '100000',
      },
      storage: { STORAGE_GC_GRACE_SECONDS: String(options.gcGraceSeconds), STORAGE_GC_INTERVAL_SECONDS: '3' },
      encoder: {
        ENCODER_WORKERS: '1',
        ENCODER_JOB_TIMEOUT_SECONDS: String(JOB_TIMEOUT_SECONDS),
        ENCODER_MAX_ATTEMPTS: String(JOB_ATTEMPTS),
        ENCODER_LEASE_SECONDS: '5',
        ENCODER_CRASH_BACKOFF_SECONDS: '1',
        ENCODER_POLL_INTERVAL_MS: '500',
      },
      fanout: {
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        // Many short retries: a delivery must outlive every fault of the run, not wait hours for the next try.
        WEBHOOK_RETRY_SCHEDULE_SECONDS: Array.from({ length: 40 }, (_, n) => String(Math.min(1 + n, 5))).join(','),
        WEBHOOK_LEASE_SECONDS: '5',
        WEBHOOK_POLL_INTERVAL_MS: '200',
        WEBHOOK_TIMEOUT_MS: '5000',
      },
    },
  });
  log(`stack up: gateway ${stack.urls['ingest-api']}, ${stack.replicas.length} processes`);
  const secrets = new Map<string, string>();
  const receiver = await startReceiver(secrets, 0.05, () => receiverRandom.next());
  const subscriptions: Subscription[] = [];
  const mongo = new MongoClient(stack.databaseUri, { serverSelectionTimeoutMS: 30_000 });
  const kafka = new Kafka({ clientId: 'chaos-observer', brokers: [options.broker.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `chaos-observer-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 200 });
  const events: ObservedEvent[] = [];
  const deadLettered: { value: string; reason: string }[] = [];
  const recorder = new HistoryRecorder();
  const startedAt = new Date().toISOString();
  let faults: FaultLogEntry[] = [];
  try {
    for (const tenant of tenants) {
      const response = await fetch(`${stack.urls['ingest-api']}/webhooks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.get(tenant) ?? ''}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `${receiver.url}/${encodeURIComponent(tenant)}`, events: [...ASSET_EVENT_TYPES] }),
      });
      if (response.status !== 201) throw new Error(`webhook registration answered ${response.status}: ${await response.text()}`);
      secrets.set(tenant, ((await response.json()) as { secret: string }).secret);
      subscriptions.push({ tenant, events: [...ASSET_EVENT_TYPES] });
    }

    const began = Date.now();
    const stopped = () => Date.now() - began >= options.durationMs;
    const flows: Record<Flow, number> = { upload: 4, resumable: 2, rename: 4, replace: 1, delete: 1.5 };
    const clients = clientRandoms.map((clientRandom, index) => {
      const tenant = tenants[index % tenants.length] as string;
      return runChaosClient({ index, tenant, token: tokens.get(tenant) ?? '', gateway: stack.urls['ingest-api'], random: clientRandom, recorder, flows, stopped });
    });
    const faultRun = runFaults({ stack, random: faultRandom, broker: options.broker, restartDatabase: options.restartDatabase, meanGapMs: options.meanFaultGapMs, weights: options.faultWeights, stopped, log });
    await Promise.all(clients);
    faults = await faultRun;
    log(`faults stopped after ${Date.now() - began} ms: ${faults.length} faults, ${recorder.acked} acknowledged writes; waiting for the system to settle`);

    // The topic is read from its start only now: the observer must not be what a frozen broker breaks.
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.assetEvents, TOPICS.assetEventsDeadLetter], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = String(message.value);
        if (topic === TOPICS.assetEventsDeadLetter) {
          deadLettered.push({ value, reason: String(message.headers?.[DEAD_LETTER_HEADERS.reason] ?? '') });
          return;
        }
        const envelope = assetEventEnvelopeSchema.parse(JSON.parse(value));
        events.push({ id: envelope.id, event: envelope.event, assetId: envelope.payload.id, tenant: envelope.tenant, value, name: envelope.payload.name, sha256: envelope.payload.checksum?.sha256 ?? null });
      },
    });
    await mongo.connect();

    const histories = [...recorder.histories.values()];
    // The observer's own requests may meet a connection a restarted replica left behind: a few tries each.
    const read = async (url: string, init: RequestInit = {}): Promise<Response> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
        } catch (error) {
          if (attempt >= 4) throw error;
          await sleep(500);
        }
      }
    };
    const observe = async (): Promise<{ observation: Observation; busy: string[] }> => {
      const db = mongo.db();
      const files = await db.collection<{ _id: unknown; metadata?: { asset_id?: string } }>('fs.files').find({}, { projection: { 'metadata.asset_id': 1 } }).toArray();
      const uploads = await db.collection<{ _id: unknown }>('uploads').find({}, { projection: { _id: 1 } }).toArray();
      const live = new Set((await db.collection<{ _id: string }>('assets').find({ deleted_on: null }, { projection: { _id: 1 } }).toArray()).map((a) => a._id));
      const chunkOwners = await db.collection<{ files_id: unknown }>('fs.chunks').distinct('files_id');
      const parts = await db.collection<{ upload_id: unknown }>('upload_parts').distinct('upload_id');
      const fileIds = new Set(files.map((f) => String(f._id)));
      const uploadIds = new Set(uploads.map((u) => String(u._id)));
      const filesByAsset = new Map<string, number>();
      for (const file of files) {
        const owner = file.metadata?.asset_id ?? '';
        filesByAsset.set(owner, (filesByAsset.get(owner) ?? 0) + 1);
      }
      const pending = await db.collection('assets').countDocuments({ 'pending_events.0': { $exists: true } });
      const assets = await mapLimit(histories, 6, async (history): Promise<ObservedAsset> => {
        const base = { id: history.id, tenant: history.tenant, storedFiles: filesByAsset.get(history.id) ?? 0 };
        const response = await read(`${stack.urls['ingest-api']}/assets/${history.id}`, { headers: { Authorization: `Bearer ${tokens.get(history.tenant) ?? ''}` } });
        if (response.status === 404) return { ...base, found: false, status: null, name: null, cdnSha256: null, createdOn: null };
        if (!response.ok) throw new Error(`reading asset ${history.id} answered ${response.status}`);
        const asset = (await response.json()) as { status: string; name: string; created_on: string; cdn_files: { items: { role: string; url: string }[] } };
        const original = asset.cdn_files.items.find((file) => file.role === 'original');
        let cdnSha256: string | null = null;
        if (original) {
          const bytes = await read(original.url);
          cdnSha256 = bytes.ok ? sha256(Buffer.from(await bytes.arrayBuffer())) : `HTTP ${bytes.status}`;
        }
        return { ...base, found: true, status: asset.status, name: asset.name, cdnSha256, createdOn: asset.created_on };
      });
      const observation: Observation = {
        assets,
        events: [...events],
        webhooks: [...receiver.received],
        subscriptions,
        deadLettered: [...deadLettered],
        orphans: {
          files: files.filter((f) => !live.has(f.metadata?.asset_id ?? '')).length,
          chunks: chunkOwners.filter((owner) => !fileIds.has(String(owner)) && !uploadIds.has(String(owner))).length,
          parts: parts.filter((owner) => !uploadIds.has(String(owner))).length,
        },
        now: new Date().toISOString(),
      };
      const busy = [
        ...(pending > 0 ? [`${pending} asset(s) with events not yet on Kafka`] : []),
        ...assets.filter((a) => a.status === 'uploading' || a.status === 'processing').map((a) => `${a.id} ${String(a.status)}`),
      ];
      return { observation, busy };
    };

    const quiesceStart = Date.now();
    const quiesceBound = (Math.max(bounds.uploadingSeconds, bounds.processingSeconds, options.gcGraceSeconds + 10) + 30) * 1000;
    let violations: Violation[] = [];
    let settled = false;
    let last: Observation | undefined;
    let lastBusy: string[] = [];
    while (Date.now() - quiesceStart < quiesceBound) {
      try {
        const { observation, busy } = await observe();
        last = observation;
        lastBusy = busy;
        violations = checkInvariants(histories, observation, bounds);
        if (violations.length === 0 && busy.length === 0) {
          settled = true;
          break;
        }
        const kinds = new Map<string, number>();
        for (const violation of violations) kinds.set(violation.invariant, (kinds.get(violation.invariant) ?? 0) + 1);
        log(`settling: open violations ${JSON.stringify(Object.fromEntries(kinds))}, ${busy.length} busy (${busy.slice(0, 2).join('; ')})`);
      } catch (error) {
        log(`settling: observation failed (${String(error)})`);
      }
      await sleep(3_000);
    }
    await explainMissedWebhooks(mongo, violations, chaosLogs(options.repoRoot, options.name));
    // A process that died on its own is a failure even when its replica hid it from every client.
    violations = [
      ...stack.crashes.map(
        (crash): Violation => ({
          invariant: 'crash',
          assetId: null,
          message: `${crash.replica} exited on its own at ${crash.at} (code ${String(crash.code)}, signal ${String(crash.signal)}); the last lines of its log:`,
          evidence: crash.lastLines,
        }),
      ),
      ...violations,
    ];
    if (!settled && violations.length === 0) {
      violations = [{ invariant: 'stuck', assetId: null, message: `the system did not settle within ${quiesceBound / 1000} s: ${lastBusy.slice(0, 5).join('; ')}` }];
    }
    const statuses = Object.fromEntries(recorder.statuses);
    return {
      seed: options.seed,
      startedAt,
      durationMs: options.durationMs,
      clients: options.clients,
      replicasPerService: options.replicasPerService,
      flows: Object.fromEntries(recorder.flows),
      faults,
      acked: recorder.acked,
      lostCreates: recorder.lostCreates,
      statuses,
      assets: histories.length,
      events: last?.events.length ?? 0,
      webhooks: last?.webhooks.length ?? 0,
      quiesceMs: Date.now() - quiesceStart,
      settled,
      bounds,
      orphans: last?.orphans ?? { files: -1, chunks: -1, parts: -1 },
      violations,
      histories,
      databaseRestarts: options.restartDatabase !== undefined,
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await mongo.close().catch(() => undefined);
    await stack.stop();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
}

/** Up to 12 log lines of any service that name `needle`, each prefixed with its log file's name; read line by line. */
async function linesMentioning(logs: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of (await readdir(logs).catch(() => [] as string[])).sort()) {
    const lines = createInterface({ input: createReadStream(path.join(logs, file), 'utf8'), crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line.includes(needle)) continue;
        found.push(`${file}: ${line.slice(0, 400)}`);
        if (found.length === 12) return found;
      }
    } catch {
      // A log that cannot be read adds nothing.
    } finally {
      lines.close();
    }
  }
  return found;
}

/**
 * For each event that never reached the receiver, what fanout made of it: its delivery documents (none
 * means it was never planned) and their endpoint's head, so a violation can be diagnosed from the report.
 */
async function explainMissedWebhooks(mongo: MongoClient, violations: Violation[], logs: string): Promise<void> {
  const db = mongo.db();
  for (const violation of violations.filter((v) => v.invariant === 'webhooks' && v.eventId)) {
    try {
      const deliveries = await db
        .collection('webhook_deliveries')
        .find({ event_id: violation.eventId }, { projection: { body: 0, traceparent: 0 } })
        .toArray();
      const heads = await db
        .collection('webhook_endpoint_heads')
        .find({ _id: { $in: deliveries.map((d) => d['webhook_id'] as string) } } as object)
        .toArray();
      violation.evidence = [
        deliveries.length === 0 ? 'no delivery document of this event is stored' : `deliveries: ${JSON.stringify(deliveries)}`,
        ...heads.map((head) => `endpoint head: ${JSON.stringify(head)}`),
        // What the services said about it: whether fanout planned it (and which replica) tells a lost
        // write from an event that was never consumed.
        ...(await linesMentioning(logs, violation.eventId as string)),
      ];
    } catch (error) {
      violation.evidence = [`could not read fanout's state: ${String(error)}`];
    }
  }
}
