import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { GridFSBucket, MongoClient, ObjectId } from 'mongodb';
import { e2eContext, fixtureDir, makePhoto, makeVideo, sha256OfFile, sha256OfStream, splitFile, tokenFor } from '@media/testing';

interface AssetBody {
  id: string;
  label: string;
  status: string;
  mime_type: string;
  file_size: number;
  checksum: { sha256: string } | null;
  upload?: { start_offset: number; end_offset: number; file_size: number };
  cdn_files: { total: number; items: { role: string; url: string; size: number; id: string }[] };
}

/** The flows of the seed page ("Managing assets"), followed literally by a client with curl-like requests. */
describe('the seed page, followed literally', () => {
  const { gateway, databaseUri } = e2eContext();
  let token: string;
  let dir: string;

  beforeAll(async () => {
    token = await tokenFor('seed-tenant');
    dir = await fixtureDir();
  });

  const auth = () => ({ Authorization: `Bearer ${token}` });

  it('uploads a photo in one request (curl -F source=@photo.jpg) and serves it back byte-identical', async () => {
    const photo = await makePhoto(dir);
    const form = new FormData();
    form.set('source', await openAsBlob(photo), 'photo.jpg');
    form.set('name', 'Team photo');
    const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: auth(), body: form });
    expect(response.status).toBe(201);
    const asset = (await response.json()) as AssetBody;
    expect(asset).toMatchObject({ label: 'Photo', mime_type: 'image/jpeg', status: 'processing', file_size: (await stat(photo)).size });
    expect(asset.checksum?.sha256).toBe(await sha256OfFile(photo));
    const original = asset.cdn_files.items.find((file) => file.role === 'original');
    expect(original).toBeDefined();
    const served = await fetch(original?.url ?? '');
    expect(served.status).toBe(200);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await sha256OfStream(served.body as unknown as AsyncIterable<Uint8Array>)).toBe(await sha256OfFile(photo));
  });

  it('uploads a video in three phases with `split -b1m` parts, and the file is an ordinary GridFS file', async () => {
    const video = await makeVideo(dir, { seconds: 4, bitrate: '5M' });
    const { size } = await stat(video);
    const parts = await splitFile(video, 1, dir);
    expect(parts.length).toBeGreaterThan(1);

    const start = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ label: 'Video', upload_phase: 'start', file_size: String(size) }),
    });
    expect(start.status).toBe(201);
    const opened = (await start.json()) as AssetBody;
    expect(opened.status).toBe('uploading');
    expect(opened.upload).toMatchObject({ start_offset: 0, file_size: size });

    let offset = 0;
    for (const part of parts) {
      const form = new FormData();
      form.set('upload_phase', 'transfer');
      form.set('original_name', path.basename(video));
      form.set('file_chunk', await openAsBlob(part), path.basename(part));
      const transfer = await fetch(`${gateway}/assets/${opened.id}/multipart`, { method: 'POST', headers: auth(), body: form });
      const next = (await transfer.json()) as { start_offset: number; end_offset: number; file_size: number };
      expect({ status: transfer.status, next }).toMatchObject({ status: 200 });
      offset += (await stat(part)).size;
      expect(next).toMatchObject({ start_offset: offset, file_size: size });
    }

    const finish = await fetch(`${gateway}/assets/${opened.id}/multipart`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'finish', sha256: await sha256OfFile(video) }),
    });
    expect(finish.status).toBe(200);
    const finished = (await finish.json()) as AssetBody;
    expect(finished).toMatchObject({ status: 'processing', label: 'Video', mime_type: 'video/mp4', file_size: size, original_name: 'film.mp4' });
    expect(finished.upload).toBeUndefined();

    // Read back through the database's own GridFS API, not through ours.
    const client = await MongoClient.connect(databaseUri);
    try {
      const bucket = new GridFSBucket(client.db());
      const [file] = await bucket.find({ 'metadata.asset_id': opened.id }).toArray();
      expect(file?.length).toBe(size);
      const id = file?._id as ObjectId | string;
      expect(await sha256OfStream(bucket.openDownloadStream(id as ObjectId))).toBe(await sha256OfFile(video));
    } finally {
      await client.close();
    }

    // A repeated finish answers 200 with the asset and changes nothing.
    const again = await fetch(`${gateway}/assets/${opened.id}/multipart`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'finish' }),
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as AssetBody).status).toBe('processing');
  });
});
