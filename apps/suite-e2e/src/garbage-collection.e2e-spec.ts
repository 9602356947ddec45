import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type IsolatedStack, multipartBody, serviceAuthorization, startIsolatedStack, tokenFor, waitFor } from '@media/testing';
import { MongoClient, ObjectId } from 'mongodb';

interface Asset {
  id: string;
  status: string;
  cdn_files: { items: { url: string; role: string }[] };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Storage's garbage collector on a stack of its own (grace 1 s, a pass every 2 s): each kind of orphan a
 * crash leaves is made on purpose, the collector removes them all, and every live asset's bytes are intact.
 * The orphans are made the way the crash leaves them: through storage's own API where a crashed caller
 * would have used it, and as raw documents where only a torn write produces them.
 */
describe('storage collects the bytes no asset references', () => {
  let stack: IsolatedStack;
  let mongo: MongoClient;
  let token: string;
  const tenant = 'gc';
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    stack = await startIsolatedStack({
      name: 'garbage-collection',
      services: ['ingest-api', 'storage'],
      env: { storage: { STORAGE_GC_GRACE_SECONDS: '1', STORAGE_GC_INTERVAL_SECONDS: '2', STORAGE_GC_BATCH: '3' } },
    });
    mongo = await MongoClient.connect(stack.databaseUri);
    token = await tokenFor(tenant);
  }, 180_000);

  afterAll(async () => {
    await mongo?.close();
    await stack?.stop();
  });

  const storage = () => stack.suite.urls.storage;
  /** Storage is called as the caller that crashed would have called it: ingest-api, with its service token. */
  const asIngest = () => serviceAuthorization('ingest-api', 'storage', stack.suite.identity);
  const db = () => mongo.db();

  async function uploadOneRequest(bytes: Buffer, name: string): Promise<Asset> {
    const { body, contentType } = multipartBody([{ name: 'source', value: bytes, filename: name }]);
    const response = await fetch(`${stack.gateway}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(response.status).toBe(201);
    return (await response.json()) as Asset;
  }

  async function startResumable(size: number): Promise<string> {
    const response = await fetch(`${stack.gateway}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'start', file_size: size }) });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function transfer(id: string, chunk: Buffer): Promise<void> {
    const { body, contentType } = multipartBody([{ name: 'upload_phase', value: 'transfer' }, { name: 'file_chunk', value: chunk, filename: 'chunk.bin' }]);
    const response = await fetch(`${stack.gateway}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(response.status).toBe(200);
  }

  /** What a caller that crashed right after storage answered leaves: a stored file under `assetId`. */
  async function storeDirectly(assetId: string, role: string, bytes: Buffer): Promise<string> {
    const response = await fetch(`${storage()}/files?max_bytes=${bytes.length}`, {
      method: 'POST',
      headers: { authorization: await asIngest(), 'x-asset-id': assetId, 'x-tenant': tenant, 'x-file-name': `${role}.bin`, 'x-content-type': 'application/octet-stream', 'x-role': role, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { file_id: string }).file_id;
  }

  /**
   * An image variant as the encoder's upload completion leaves it: a `var-<hash>` file with role `variant`
   * under its asset. Written as raw documents so the test needs no encoder; the collector sees the same.
   */
  async function storeVariant(assetId: string): Promise<string> {
    const id = `var-${randomBytes(32).toString('hex')}`;
    const data = randomBytes(2_000);
    await db().collection('fs.files').insertOne({
      _id: id as unknown as ObjectId,
      length: data.length,
      chunkSize: 261_120,
      uploadDate: new Date(),
      filename: 'variant.webp',
      metadata: { asset_id: assetId, tenant, role: 'variant', content_type: 'image/webp', sha256: sha256(data) },
    });
    await db().collection('fs.chunks').insertOne({ _id: new ObjectId(), files_id: id, n: 0, data });
    return id;
  }

  async function fileExists(id: string): Promise<boolean> {
    return (await db().collection('fs.files').countDocuments({ _id: id as unknown as ObjectId })) === 1;
  }

  it('removes every orphan kind after the grace period and leaves every live byte intact', async () => {
    // Live: a finished one-request upload, and a resumable upload in progress (its chunk must survive).
    const liveBytes = randomBytes(600_000);
    const live = await uploadOneRequest(liveBytes, 'live.bin');
    const inProgress = await startResumable(300_000);
    const firstPart = randomBytes(262_144 + 1_000);
    await transfer(inProgress, firstPart);
    const inProgressUpload = (await db().collection<{ _id: string; upload?: { upload_id: string } }>('assets').findOne({ _id: inProgress }))?.upload?.upload_id;
    expect(inProgressUpload).toBeDefined();

    // 1. A crash between storing a one-request file and inserting its asset: a file of an asset that never was.
    const neverInserted = await storeDirectly(randomUUID(), 'original', randomBytes(300_000));
    // 2. An encoder killed after storing renditions and before its result: files the live asset does not list.
    const lostRendition = await storeDirectly(live.id, 'rendition', randomBytes(280_000));
    // 3. A DELETE racing an in-flight chunk: the chunk lands after the deletion removed the upload's bytes.
    const doomed = await startResumable(300_000);
    await transfer(doomed, randomBytes(1_000));
    const doomedUpload = (await db().collection<{ _id: string; upload?: { upload_id: string } }>('assets').findOne({ _id: doomed }))?.upload?.upload_id ?? '';
    expect((await fetch(`${stack.gateway}/assets/${doomed}`, { method: 'DELETE', headers: auth() })).status).toBe(204);
    await waitFor('the deleted asset\'s upload removed by the event', async () => (await db().collection('uploads').countDocuments({ _id: doomedUpload as unknown as ObjectId })) === 0, { timeoutMs: 30_000 });
    const late = await fetch(`${storage()}/uploads/${doomedUpload}/chunks?offset=0&max_bytes=300000`, {
      method: 'PUT',
      headers: { authorization: await asIngest(), 'x-asset-id': doomed, 'x-tenant': tenant, 'content-type': 'application/octet-stream' },
      body: randomBytes(270_000),
    });
    expect(late.status).toBe(200);
    // 4. Torn writes: chunk documents and an upload part whose file and upload documents are gone.
    const ghost = new ObjectId().toHexString();
    await db().collection('fs.chunks').insertMany([0, 1].map((n) => ({ _id: new ObjectId(), files_id: ghost, n, data: randomBytes(1_000) })));
    await db().collection('upload_parts').insertOne({ _id: `${ghost}:0` as unknown as ObjectId, upload_id: ghost, offset: 0, tail: randomBytes(10), hash_state: randomBytes(10), created_at: new Date() });
    // 5. Image variants: a live asset's are a cache its files never list and must stay; a gone asset's go.
    const liveVariant = await storeVariant(live.id);
    const orphanVariant = await storeVariant(randomUUID());

    await waitFor(
      'every orphan collected',
      async () =>
        !(await fileExists(neverInserted)) &&
        !(await fileExists(lostRendition)) &&
        !(await fileExists(orphanVariant)) &&
        (await db().collection('uploads').countDocuments({ _id: doomedUpload as unknown as ObjectId })) === 0 &&
        (await db().collection('fs.chunks').countDocuments({ files_id: { $in: [doomedUpload, ghost, neverInserted, lostRendition] } })) === 0 &&
        (await db().collection('upload_parts').countDocuments({ upload_id: ghost })) === 0,
      { timeoutMs: 90_000, intervalMs: 500 },
    );

    // Every live byte: the finished asset reads back identical through /cdn, the open upload keeps its chunk.
    const asset = (await (await fetch(`${stack.gateway}/assets/${live.id}`, { headers: auth() })).json()) as Asset;
    const original = asset.cdn_files.items.find((file) => file.role === 'original');
    expect(original).toBeDefined();
    expect(sha256(Buffer.from(await (await fetch(original?.url ?? '')).arrayBuffer()))).toBe(sha256(liveBytes));
    // A few more passes (one every 2 s, 3 files each) so the scan has surely walked past the live variant too.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await fileExists(liveVariant)).toBe(true);
    expect(await db().collection('fs.chunks').countDocuments({ files_id: liveVariant })).toBe(1);
    expect(await db().collection('uploads').countDocuments({ _id: inProgressUpload as unknown as ObjectId })).toBe(1);
    expect(await db().collection('fs.chunks').countDocuments({ files_id: inProgressUpload })).toBeGreaterThanOrEqual(1);
    expect(await db().collection('upload_parts').countDocuments({ upload_id: inProgressUpload })).toBeGreaterThanOrEqual(1);

    const metrics = await (await fetch(`${storage()}/metrics`)).text();
    expect(metrics).toMatch(/storage_gc_removed_total\{kind="files",service="storage"\} [3-9]/);
    expect(metrics).toMatch(/storage_gc_removed_total\{kind="chunks",service="storage"\} [1-9]/);
    expect(metrics).toMatch(/storage_gc_removed_total\{kind="parts",service="storage"\} [1-9]/);
  }, 240_000);
});
