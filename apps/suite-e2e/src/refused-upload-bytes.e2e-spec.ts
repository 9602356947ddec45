import { randomBytes } from 'node:crypto';
import { type Db, MongoClient } from 'mongodb';
import { e2eContext, multipartBody, type RawPart, tokenFor } from '@media/testing';

const { gateway, databaseUri } = e2eContext();

/**
 * A one-request upload or a PUT replacement streams its file to storage before the form's later fields
 * are read; when those fields (or the rest of the body) get the request refused, the bytes already
 * stored must go at once, not linger as a file no asset points at or as chunks without a file.
 */
describe('refused uploads leave no bytes behind', () => {
  let token: string;
  let tenant: string;
  let client: MongoClient;
  let db: Db;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  // Several GridFS chunks, so a file part is really stored (and its chunks written) before the refusal.
  const file = (): RawPart => ({ name: 'source', value: randomBytes(700_000), filename: 'data.bin' });

  beforeAll(async () => {
    tenant = `refused-${randomBytes(3).toString('hex')}`;
    token = await tokenFor(tenant);
    client = await MongoClient.connect(databaseUri);
    db = client.db();
  });

  afterAll(async () => {
    await client.close();
  });

  /** Chunks whose file is neither a GridFS file nor an open resumable upload. */
  async function orphanChunkFiles(): Promise<unknown[]> {
    const groups = await db
      .collection('fs.chunks')
      .aggregate([
        { $group: { _id: '$files_id' } },
        { $lookup: { from: 'fs.files', localField: '_id', foreignField: '_id', as: 'file' } },
        { $lookup: { from: 'uploads', localField: '_id', foreignField: '_id', as: 'upload' } },
        { $match: { file: { $size: 0 }, upload: { $size: 0 } } },
      ])
      .toArray();
    return groups.map((group) => group['_id']);
  }

  const filesOfTenant = () => db.collection('fs.files').countDocuments({ 'metadata.tenant': tenant });

  async function send(method: 'POST' | 'PUT', path: string, parts: RawPart[]): Promise<{ status: number; code?: string }> {
    const { body, contentType } = multipartBody(parts);
    const response = await fetch(`${gateway}${path}`, { method, headers: { ...auth(), 'Content-Type': contentType }, body });
    const problem = (await response.json()) as { code?: string };
    return { status: response.status, code: problem.code };
  }

  async function expectNothingLeft(filesBefore: number, orphansBefore: unknown[]): Promise<void> {
    // Storage answers the delete before ingest answers the client; a short grace only absorbs scheduling.
    const deadline = Date.now() + 5_000;
    const leftover = async () => (await filesOfTenant()) - filesBefore + (await orphanChunkFiles()).filter((id) => !orphansBefore.includes(id)).length;
    while ((await leftover()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await filesOfTenant()).toBe(filesBefore);
    expect((await orphanChunkFiles()).filter((id) => !orphansBefore.includes(id))).toEqual([]);
  }

  it.each([
    ['a metadata field that fails validation after the file', [file(), { name: 'name', value: '' }], 400, 'invalid_request'],
    ['an upload_phase after the file', [file(), { name: 'upload_phase', value: 'start' }], 400, 'invalid_upload_phase'],
    ['a second file after the first', [file(), { name: 'source', value: 'again', filename: 'b.bin' }], 400, 'unexpected_file'],
    ['an oversized field after the file', [file(), { name: 'body', value: 'x'.repeat(70_000) }], 400, 'malformed_multipart'],
  ])('POST /assets refused for %s keeps nothing', async (_, parts, status, code) => {
    const filesBefore = await filesOfTenant();
    const orphansBefore = await orphanChunkFiles();
    expect(await send('POST', '/assets', parts as RawPart[])).toEqual({ status, code });
    await expectNothingLeft(filesBefore, orphansBefore);
  });

  it('PUT /assets/{id} with a replacement refused after its file keeps the old file and nothing of the new one', async () => {
    const first = multipartBody([{ name: 'source', value: randomBytes(300_000), filename: 'first.bin' }]);
    const created = await fetch(`${gateway}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': first.contentType }, body: first.body });
    expect(created.status).toBe(201);
    const asset = (await created.json()) as { id: string; checksum?: { sha256?: string } };
    const filesBefore = await filesOfTenant();
    const orphansBefore = await orphanChunkFiles();

    expect(await send('PUT', `/assets/${asset.id}`, [file(), { name: 'nmae', value: 'typo' }])).toEqual({ status: 400, code: 'invalid_request' });
    expect(await send('PUT', `/assets/${asset.id}`, [file(), { name: 'source', value: 'again', filename: 'b.bin' }])).toEqual({ status: 400, code: 'unexpected_file' });
    await expectNothingLeft(filesBefore, orphansBefore);

    const after = (await (await fetch(`${gateway}/assets/${asset.id}`, { headers: auth() })).json()) as { checksum?: { sha256?: string } };
    expect(after.checksum?.sha256).toBe(asset.checksum?.sha256);
  });
});
