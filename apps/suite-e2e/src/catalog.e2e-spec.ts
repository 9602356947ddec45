import { randomBytes } from 'node:crypto';
import { GridFSBucket, MongoClient } from 'mongodb';
import { e2eContext, multipartBody, tokenFor } from '@media/testing';

const { gateway, databaseUri } = e2eContext();

interface Asset {
  id: string;
  name: string;
  label: string;
  status: string;
  tags: string[];
  reference_id: string | null;
  mime_type: string;
  cdn_files: { items: { url: string; role: string }[] };
}

describe('read and change assets', () => {
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    token = await tokenFor(`catalog-${randomBytes(3).toString('hex')}`);
  });

  async function upload(name: string, bytes: Buffer | string, fields: Record<string, string> = {}): Promise<Asset> {
    const { body, contentType } = multipartBody([
      ...Object.entries(fields).map(([field, value]) => ({ name: field, value })),
      { name: 'source', value: bytes, filename: name },
    ]);
    const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(response.status).toBe(201);
    return (await response.json()) as Asset;
  }

  async function list(query: string): Promise<{ total: number; skip: number; limit: number; items: Asset[] }> {
    const response = await fetch(`${gateway}/assets?${query}`, { headers: auth() });
    expect(response.status).toBe(200);
    return (await response.json()) as { total: number; skip: number; limit: number; items: Asset[] };
  }

  it('lists with filters, sort and paging', async () => {
    const a = await upload('alpha.txt', 'alpha text', { name: 'Alpha launch', tags: 'launch,2026', reference_id: 'legacy-1' });
    const b = await upload('beta.txt', 'beta text', { name: 'Beta', tags: 'launch' });
    const c = await upload('gamma.bin', randomBytes(64), { name: 'Gamma launch' });

    expect(await list('')).toMatchObject({ total: 3, skip: 0, limit: 100 });
    expect((await list('sort=name')).items.map((x) => x.id)).toEqual([a.id, b.id, c.id]);
    expect((await list('sort=-created_on')).items.map((x) => x.id)).toEqual([c.id, b.id, a.id]);
    expect((await list('tags=launch')).items.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect((await list('tags=launch,2026')).items.map((x) => x.id)).toEqual([a.id]);
    expect((await list('reference_id=legacy-1')).items.map((x) => x.id)).toEqual([a.id]);
    expect((await list('q=LAUNCH')).items.map((x) => x.id).sort()).toEqual([a.id, c.id].sort());
    expect((await list('label=File')).items.map((x) => x.id)).toEqual([c.id]);
    expect((await list('label=Document&sort=name')).items.map((x) => x.id)).toEqual([a.id, b.id]);
    const page = await list('sort=name&limit=1&skip=1');
    expect(page).toMatchObject({ total: 3, skip: 1, limit: 1 });
    expect(page.items.map((x) => x.id)).toEqual([b.id]);
    expect((await list('q=.*')).total).toBe(0);
  });

  it('changes metadata with PUT, honouring If-Match with 412', async () => {
    const asset = await upload('note.txt', 'some notes');
    const read = await fetch(`${gateway}/assets/${asset.id}`, { headers: auth() });
    const etag = read.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);

    const changed = await fetch(`${gateway}/assets/${asset.id}`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json', 'If-Match': etag },
      body: JSON.stringify({ name: 'Renamed', tags: ['a', 'b'], author: 'Jane' }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ name: 'Renamed', tags: ['a', 'b'], author: 'Jane' });
    expect(changed.headers.get('etag')).not.toBe(etag);

    const stale = await fetch(`${gateway}/assets/${asset.id}`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json', 'If-Match': etag },
      body: JSON.stringify({ name: 'Lost update' }),
    });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'precondition_failed' });
    const now = (await (await fetch(`${gateway}/assets/${asset.id}`, { headers: auth() })).json()) as Asset;
    expect(now.name).toBe('Renamed');
  });

  it('replaces the file with a multipart source, label and type from the new bytes', async () => {
    const asset = await upload('first.txt', 'plain text at first');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const { body, contentType } = multipartBody([{ name: 'source', value: png, filename: 'second.png' }]);
    const replaced = await fetch(`${gateway}/assets/${asset.id}`, { method: 'PUT', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(replaced.status).toBe(200);
    const after = (await replaced.json()) as Asset;
    expect(after).toMatchObject({ label: 'Photo', mime_type: 'image/png', status: 'processing' });
    const served = await fetch(after.cdn_files.items[0]?.url ?? '');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png);
    // The first file is no longer served.
    expect((await fetch(asset.cdn_files.items[0]?.url ?? '')).status).toBe(404);
  });

  it('deletes: 404 at once, and every stored byte is gone soon after', async () => {
    const asset = await upload('doomed.bin', randomBytes(600_000));
    const opened = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: 1_000_000 }),
    });
    const unfinished = (await opened.json()) as Asset;
    const chunk = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: randomBytes(300_000), filename: 'part' },
    ]);
    expect((await fetch(`${gateway}/assets/${unfinished.id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': chunk.contentType }, body: chunk.body })).status).toBe(200);

    for (const id of [asset.id, unfinished.id]) {
      expect((await fetch(`${gateway}/assets/${id}`, { method: 'DELETE', headers: auth() })).status).toBe(204);
      expect((await fetch(`${gateway}/assets/${id}`, { headers: auth() })).status).toBe(404);
    }
    expect((await fetch(asset.cdn_files.items[0]?.url ?? '')).status).toBe(404);

    const client = await MongoClient.connect(databaseUri);
    try {
      const db = client.db();
      const bucket = new GridFSBucket(db);
      const leftovers = async () => {
        const files = await bucket.find({ 'metadata.asset_id': { $in: [asset.id, unfinished.id] } }).toArray();
        const fileIds = files.map((file) => file._id);
        const uploads = await db.collection('uploads').find({ asset_id: unfinished.id }).toArray();
        const chunks = await db.collection('fs.chunks').countDocuments({ files_id: { $in: [...fileIds, ...uploads.map((u) => u['_id'])] } });
        return files.length + uploads.length + chunks;
      };
      const deadline = Date.now() + 30_000;
      while ((await leftovers()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await leftovers()).toBe(0);
      // No chunk is left without its file either.
      const orphans = await db.collection('fs.chunks').aggregate([
        { $group: { _id: '$files_id' } },
        { $lookup: { from: 'fs.files', localField: '_id', foreignField: '_id', as: 'file' } },
        { $lookup: { from: 'uploads', localField: '_id', foreignField: '_id', as: 'upload' } },
        { $match: { file: { $size: 0 }, upload: { $size: 0 } } },
      ]).toArray();
      expect(orphans).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
