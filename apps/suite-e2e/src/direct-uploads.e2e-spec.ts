import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { DirectUploadTokens } from '@media/scopes';
import { e2eContext, multipartBody, tokenFor } from '@media/testing';
import { Upload } from 'tus-js-client';

const context = e2eContext();
const { gateway } = context;
const TUS = { 'Tus-Resumable': '1.0.0' };

interface DirectUpload {
  id: string;
  upload_url: string;
  token: string;
  expires_on: string;
  max_size: number;
  allowed_labels: string[];
}

/** A backend asks for an upload URL with its API token; a browser uploads with the one-time token alone. */
describe('direct uploads', () => {
  const tenant = `direct-${randomUUID().slice(0, 8)}`;
  let apiToken: string;

  beforeAll(async () => {
    apiToken = await tokenFor(tenant);
  });

  async function directUpload(body: Record<string, unknown> = {}): Promise<DirectUpload> {
    const response = await fetch(`${gateway}/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    return (await response.json()) as DirectUpload;
  }

  /** tus-js-client with the direct token only; stops after `chunks` PATCHes. */
  function tusUpload(grant: DirectUpload, file: Buffer, chunks: number) {
    return new Promise<string>((resolve, reject) => {
      let done = 0;
      const upload: Upload = new Upload(file, {
        endpoint: grant.upload_url,
        headers: { Authorization: `Bearer ${grant.token}` },
        chunkSize: 100_000,
        metadata: { filename: 'from-browser.bin', name: 'the browser’s name' },
        retryDelays: null,
        storeFingerprintForResuming: false,
        onChunkComplete: () => {
          done += 1;
          if (done === chunks) void upload.abort().then(() => resolve(upload.url as string));
        },
        onSuccess: () => resolve(upload.url as string),
        onError: reject,
      });
      upload.start();
    });
  }

  it('answers a short-lived upload URL and token bound to a new asset, for assets_publish only', async () => {
    const grant = await directUpload({ name: 'Direct clip', max_size: 1_000_000, allowed_labels: ['File'] });
    expect(grant).toMatchObject({ upload_url: `${gateway}/tus`, max_size: 1_000_000, allowed_labels: ['File'] });
    expect(grant.id).toMatch(/^[0-9a-f-]{36}$/);
    const lifetime = new Date(grant.expires_on).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(3600 * 1000);

    const reader = await tokenFor(tenant, ['assets']);
    const refused = await fetch(`${gateway}/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(403);
    const invalid = await fetch(`${gateway}/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ max_size: -1, body: 'x' }) });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('uploads its asset through tus and the seed protocol, once; the asset is the tenant’s, with the backend’s metadata', async () => {
    const grant = await directUpload({ name: 'Direct clip', tags: ['browser'], max_size: 1_000_000 });
    const file = randomBytes(250_000);
    const url = await tusUpload(grant, file, 1);
    expect(url).toBe(`${gateway}/tus/${grant.id}`);

    // The rest through the seed protocol, with the same token.
    const direct = { Authorization: `Bearer ${grant.token}` };
    const progress = await fetch(`${gateway}/assets/${grant.id}/multipart`, { headers: direct });
    expect(await progress.json()).toMatchObject({ start_offset: 100_000, file_size: file.length });
    const part = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'start_offset', value: '100000' },
      { name: 'file_chunk', value: file.subarray(100_000), filename: 'rest.bin' },
    ]);
    const transfer = await fetch(`${gateway}/assets/${grant.id}/multipart`, { method: 'POST', headers: { ...direct, 'Content-Type': part.contentType }, body: part.body });
    expect(transfer.status).toBe(200);
    const finish = await fetch(`${gateway}/assets/${grant.id}/multipart`, { method: 'POST', headers: { ...direct, 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'finish' }) });
    expect(finish.status).toBe(200);
    // The finish answers the asset: the token lets the browser see the one it uploaded, nothing more.
    expect(await finish.json()).toMatchObject({ id: grant.id, status: 'processing' });

    const asset = (await (await fetch(`${gateway}/assets/${grant.id}`, { headers: { Authorization: `Bearer ${apiToken}` } })).json()) as Record<string, unknown>;
    expect(asset).toMatchObject({ name: 'Direct clip', tags: ['browser'], original_name: 'from-browser.bin', file_size: file.length, checksum: { sha256: createHash('sha256').update(file).digest('hex') } });

    const again = await fetch(grant.upload_url, { method: 'POST', headers: { ...TUS, ...direct, 'Upload-Length': '10' } });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'direct_upload_used' });
  });

  it('is refused for everything else: other assets, reading, listing, changing, deleting, other routes', async () => {
    const grant = await directUpload();
    const direct = { Authorization: `Bearer ${grant.token}` };
    const created = await fetch(grant.upload_url, { method: 'POST', headers: { ...TUS, ...direct, 'Upload-Length': '10' } });
    expect(created.status).toBe(201);
    const otherId = ((await (await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: 10 }),
    })).json()) as { id: string }).id;

    const attempts: [string, string, RequestInit][] = [
      ['list assets', `${gateway}/assets`, {}],
      ['read its own asset', `${gateway}/assets/${grant.id}`, {}],
      ['change its own asset', `${gateway}/assets/${grant.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x"}' }],
      ['delete its own asset', `${gateway}/assets/${grant.id}`, { method: 'DELETE' }],
      ['start another upload', `${gateway}/assets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"upload_phase":"start","file_size":5}' }],
      ['mint another direct upload', `${gateway}/uploads`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }],
      ['list webhooks', `${gateway}/webhooks`, {}],
      ['HEAD another upload (tus)', `${gateway}/tus/${otherId}`, { method: 'HEAD', headers: TUS }],
      ['PATCH another upload (tus)', `${gateway}/tus/${otherId}`, { method: 'PATCH', headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' }, body: 'x' }],
      ['terminate another upload (tus)', `${gateway}/tus/${otherId}`, { method: 'DELETE', headers: TUS }],
      ['progress of another upload', `${gateway}/assets/${otherId}/multipart`, {}],
      ['finish another upload', `${gateway}/assets/${otherId}/multipart`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"upload_phase":"finish"}' }],
    ];
    for (const [what, url, init] of attempts) {
      const response = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...direct } });
      expect([what, [401, 403].includes(response.status)]).toEqual([what, true]);
      if (init.method !== 'HEAD') expect([what, response.headers.get('content-type')]).toEqual([what, 'application/problem+json; charset=utf-8']);
    }
    // The other upload is untouched.
    const other = await fetch(`${gateway}/assets/${otherId}/multipart`, { headers: { Authorization: `Bearer ${apiToken}` } });
    expect(await other.json()).toMatchObject({ start_offset: 0, file_size: 10 });
  });

  it('holds the browser to the backend’s terms: size, kinds of file, and the token’s lifetime', async () => {
    const small = await directUpload({ max_size: 1000 });
    const tooBig = await fetch(small.upload_url, { method: 'POST', headers: { ...TUS, Authorization: `Bearer ${small.token}`, 'Upload-Length': '1001' } });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ code: 'file_too_large' });

    const photosOnly = await directUpload({ allowed_labels: ['Photo'] });
    const created = await fetch(photosOnly.upload_url, { method: 'POST', headers: { ...TUS, Authorization: `Bearer ${photosOnly.token}`, 'Upload-Length': '5000' } });
    const notAPhoto = await fetch(created.headers.get('location') as string, {
      method: 'PATCH',
      headers: { ...TUS, Authorization: `Bearer ${photosOnly.token}`, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
      body: randomBytes(5000),
    });
    expect(notAPhoto.status).toBe(415);
    expect(await notAPhoto.json()).toMatchObject({ code: 'unsupported_media_type', allowed_labels: ['Photo'] });

    // Signed as the gateway signs them (its key derives from the HS256 secret when none is configured), but expired.
    const signer = new DirectUploadTokens(createHmac('sha256', context.jwtSecret).update('direct-upload tokens').digest());
    const expired = await signer.mint({ tenant, subject: 'backend', assetId: randomUUID(), maxSize: 1000, allowedLabels: [], metadata: {}, ttlSeconds: -60 });
    const refused = await fetch(`${gateway}/tus`, { method: 'POST', headers: { ...TUS, Authorization: `Bearer ${expired.token}`, 'Upload-Length': '10' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    // The same, unexpired, works: the refusal above was the expiry.
    const fresh = await signer.mint({ tenant, subject: 'backend', assetId: randomUUID(), maxSize: 1000, allowedLabels: [], metadata: {}, ttlSeconds: 60 });
    expect((await fetch(`${gateway}/tus`, { method: 'POST', headers: { ...TUS, Authorization: `Bearer ${fresh.token}`, 'Upload-Length': '10' } })).status).toBe(201);
  });
});
