import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { bootService, integrationEnv, type RunningService, serviceAuthorization } from '@media/testing';
import { GridFSBucket, MongoClient } from 'mongodb';
import { AppModule } from './app.module';
import { BytesInFlightBudget } from './files/bytes-in-flight.budget';
import { loadStorageConfig } from './storage.config';

const MiB = 1024 * 1024;
/** Two insert batches (4 chunks of 256 KiB each): six concurrent uploads must take turns. */
const BUDGET = 2 * MiB;

/** Concurrent uploads share one process-wide budget of bytes in flight to the database, and all still land whole. */
describe('storage: concurrent uploads within the bytes-in-flight budget', () => {
  let running: RunningService;
  let client: MongoClient;
  const tenant = 'acme';

  beforeAll(async () => {
    const env = integrationEnv('storage-insert-budget', { STORAGE_INSERT_BYTES_IN_FLIGHT: String(BUDGET) });
    running = await bootService(AppModule.register(loadStorageConfig(env)));
    client = new MongoClient(env['MONGODB_URI'] ?? '');
  });

  afterAll(async () => {
    await running?.close();
    await client?.close();
  });

  const headers = async (extra: Record<string, string>) => ({
    authorization: await serviceAuthorization('ingest-api', 'storage'),
    'content-type': 'application/octet-stream',
    'x-tenant': tenant,
    ...extra,
  });

  async function storeFile(body: Buffer): Promise<string> {
    const response = await fetch(`${running.baseUrl}/files?max_bytes=${body.length}`, {
      method: 'POST',
      headers: await headers({ 'x-asset-id': randomUUID(), 'x-file-name': 'a.bin', 'x-content-type': 'application/octet-stream', 'x-role': 'original' }),
      body,
    });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as { file_id: string; sha256: string };
    expect(receipt.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    return receipt.file_id;
  }

  async function storeResumable(body: Buffer): Promise<string> {
    const uploadId = randomUUID();
    const assetId = randomUUID();
    const half = Math.floor(body.length / 2) + 1000;
    for (const [offset, piece] of [
      [0, body.subarray(0, half)],
      [half, body.subarray(half)],
    ] as const) {
      const response = await fetch(`${running.baseUrl}/uploads/${uploadId}/chunks?offset=${offset}&max_bytes=${body.length}`, {
        method: 'PUT',
        headers: await headers({ 'x-asset-id': assetId }),
        body: piece,
      });
      expect(response.status).toBe(200);
    }
    const completed = await fetch(`${running.baseUrl}/uploads/${uploadId}/complete`, {
      method: 'POST',
      headers: { ...(await headers({})), 'content-type': 'application/json' },
      body: JSON.stringify({ length: body.length, file_name: 'b.bin', content_type: 'application/octet-stream', role: 'original', asset_id: assetId, tenant }),
    });
    expect(completed.status).toBe(200);
    return uploadId;
  }

  it('never has more than the budget in flight, gives it all back, and stores every byte', async () => {
    const budget = running.app.get(BytesInFlightBudget);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, budget.used)), 1);
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(5 * MiB + i * 12_345));
    let ids: string[];
    try {
      ids = await Promise.all(bodies.map((body, i) => (i % 2 === 0 ? storeFile(body) : storeResumable(body))));
    } finally {
      clearInterval(sampler);
    }
    // The uploads did go through the budget, and together never held more than it.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(BUDGET);
    expect(budget.used).toBe(0);

    // Ordinary GridFS files, read back with the driver's own bucket.
    const bucket = new GridFSBucket(client.db());
    for (const [i, id] of ids.entries()) {
      const hash = createHash('sha256');
      for await (const piece of bucket.openDownloadStream(id as never)) hash.update(piece as Buffer);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(bodies[i] as Buffer).digest('hex'));
    }
  }, 60_000);
});
