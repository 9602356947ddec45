import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { assetEventEnvelopeSchema, TOPICS } from '@media/asset-model';
import { e2eContext, fixtureDir, makePhoto, multipartBody, tokenFor } from '@media/testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { Upload } from 'tus-js-client';

const context = e2eContext();
const { gateway } = context;
const TUS = { 'Tus-Resumable': '1.0.0' };
const sha256b64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

/** tus 1.0.0 at /tus, driven by tus-js-client (a client no one here wrote) and by plain HTTP for the edges. */
describe('tus uploads', () => {
  const tenant = `tus-${randomUUID().slice(0, 8)}`;
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  let consumer: Consumer;
  const events: { id: string; event: string; performedBy: string }[] = [];

  beforeAll(async () => {
    token = await tokenFor(tenant);
    const kafka = new Kafka({ clientId: 'e2e-tus', brokers: context.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `e2e-${randomUUID()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.assetEvents, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const envelope = assetEventEnvelopeSchema.parse(JSON.parse(String(message.value)));
        if (envelope.tenant === tenant) events.push({ id: envelope.payload.id, event: envelope.event, performedBy: envelope.performed_by });
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
  });

  /** Uploads with tus-js-client; resolves with the upload URL. */
  function tusUpload(file: Buffer, options: { uploadUrl?: string; overridePatchMethod?: boolean; chunkSize?: number; metadata?: Record<string, string>; stopAfterChunks?: number; withData?: boolean }) {
    return new Promise<{ url: string; finished: boolean }>((resolve, reject) => {
      let chunks = 0;
      const upload: Upload = new Upload(file, {
        endpoint: `${gateway}/tus`,
        ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
        headers: auth(),
        chunkSize: options.chunkSize ?? 256 * 1024,
        metadata: options.metadata ?? {},
        uploadDataDuringCreation: options.withData ?? false,
        overridePatchMethod: options.overridePatchMethod ?? false,
        retryDelays: null,
        storeFingerprintForResuming: false,
        onChunkComplete: () => {
          chunks += 1;
          if (options.stopAfterChunks !== undefined && chunks === options.stopAfterChunks) {
            // Interrupted, as a closed tab would be: the upload URL is all the client keeps.
            void upload.abort().then(() => resolve({ url: upload.url as string, finished: false }));
          }
        },
        onSuccess: () => resolve({ url: upload.url as string, finished: true }),
        onError: reject,
      });
      upload.start();
    });
  }

  async function head(url: string) {
    const response = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...auth() } });
    return { status: response.status, offset: response.headers.get('upload-offset'), length: response.headers.get('upload-length'), headers: response.headers };
  }

  async function asset(id: string) {
    return (await (await fetch(`${gateway}/assets/${id}`, { headers: auth() })).json()) as Record<string, unknown>;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const idOf = (url: string) => url.split('/').pop() as string;

  it('advertises version, extensions, size and checksum, and answers CORS for a configured origin only', async () => {
    const options = await fetch(`${gateway}/tus`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-version')).toBe('1.0.0');
    expect(options.headers.get('tus-extension')).toBe('creation,creation-with-upload,expiration,checksum,termination');
    expect(Number(options.headers.get('tus-max-size'))).toBeGreaterThan(0);
    expect(options.headers.get('tus-checksum-algorithm')).toBe('sha256');

    const preflight = await fetch(`${gateway}/tus/${randomUUID()}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://browser.test', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'tus-resumable, upload-offset' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://browser.test');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Upload-Offset');
    // A refusal carries them too, so a browser can read why.
    const refused = await fetch(`${gateway}/tus`, { method: 'POST', headers: { Origin: 'http://browser.test', ...TUS, 'Upload-Length': '1' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-expose-headers')).toContain('Upload-Offset');
    expect(refused.headers.get('tus-resumable')).toBe('1.0.0');
    const stranger = await fetch(`${gateway}/tus`, { method: 'OPTIONS', headers: { Origin: 'http://evil.test', 'Access-Control-Request-Method': 'POST' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('resumes an interrupted upload from its URL; HEAD says where; the file is intact', async () => {
    const file = randomBytes(1024 * 1024 + 333);
    const first = await tusUpload(file, { metadata: { filename: 'blob.bin', name: 'Resumed blob' }, stopAfterChunks: 2 });
    expect(first.finished).toBe(false);
    expect(first.url).toMatch(new RegExp(`^${gateway}/tus/[0-9a-f-]{36}$`));
    const state = await head(first.url);
    expect(state).toMatchObject({ status: 200, offset: String(2 * 256 * 1024), length: String(file.length) });
    expect(state.headers.get('cache-control')).toBe('no-store');
    expect(new Date(state.headers.get('upload-expires') ?? '').getTime()).toBeGreaterThan(Date.now());

    // Resumed by a client that cannot send PATCH (tus's X-HTTP-Method-Override on POST).
    const second = await tusUpload(file, { uploadUrl: first.url, overridePatchMethod: true });
    expect(second).toEqual({ url: first.url, finished: true });
    const finished = await asset(idOf(first.url));
    expect(finished).toMatchObject({ name: 'Resumed blob', original_name: 'blob.bin', file_size: file.length, checksum: { sha256: createHash('sha256').update(file).digest('hex') } });
    expect(['processing', 'ready']).toContain(finished['status']);
    expect(await head(first.url)).toMatchObject({ status: 200, offset: String(file.length) });
  });

  it('keeps nothing of a PATCH whose connection drops, nor of one whose checksum fails (460)', async () => {
    const file = randomBytes(300_000);
    const created = await fetch(`${gateway}/tus`, { method: 'POST', headers: { ...TUS, ...auth(), 'Upload-Length': String(file.length) } });
    expect(created.status).toBe(201);
    const url = created.headers.get('location') as string;
    const patchHeaders = { ...TUS, ...auth(), 'Content-Type': 'application/offset+octet-stream' };

    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PATCH', headers: { ...patchHeaders, 'Upload-Offset': '0', 'Content-Length': String(file.length) } });
      req.on('error', () => resolve());
      req.on('response', (response) => (response.resume(), resolve()));
      req.write(file.subarray(0, 100_000), () => setTimeout(() => (req.destroy(), resolve()), 300));
    });
    // Nothing of it counted; the PATCHes below also show its lease was given back (else 409 transfer_in_progress).
    expect((await head(url)).offset).toBe('0');

    const wrong = await fetch(url, { method: 'PATCH', headers: { ...patchHeaders, 'Upload-Offset': '0', 'Upload-Checksum': `sha256 ${sha256b64(Buffer.from('other'))}` }, body: file });
    expect(wrong.status).toBe(460);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(await wrong.json()).toMatchObject({ status: 460, code: 'checksum_mismatch' });
    expect((await head(url)).offset).toBe('0');

    const badAlgorithm = await fetch(url, { method: 'PATCH', headers: { ...patchHeaders, 'Upload-Offset': '0', 'Upload-Checksum': `md5 ${Buffer.alloc(16).toString('base64')}` }, body: file });
    expect(badAlgorithm.status).toBe(400);
    const stale = await fetch(url, { method: 'PATCH', headers: { ...patchHeaders, 'Upload-Offset': '5' }, body: file.subarray(5) });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: 'offset_mismatch', expected_offset: 0 });

    const right = await fetch(url, { method: 'PATCH', headers: { ...patchHeaders, 'Upload-Offset': '0', 'Upload-Checksum': `sha256 ${sha256b64(file)}` }, body: file });
    expect(right.status).toBe(204);
    expect(right.headers.get('upload-offset')).toBe(String(file.length));
  });

  it('refuses a foreign tus version (412), a PATCH over the chunk limit before reading it (413), and another tenant’s upload (404)', async () => {
    const created = await fetch(`${gateway}/tus`, { method: 'POST', headers: { ...TUS, ...auth(), 'Upload-Length': '10' } });
    const url = created.headers.get('location') as string;
    const old = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '0.2.2', ...auth() } });
    expect(old.status).toBe(412);
    expect(old.headers.get('tus-version')).toBe('1.0.0');
    // Announces 1 GiB and sends a few bytes: the answer comes without the server waiting for the rest.
    const huge = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(url, {
        method: 'PATCH',
        headers: { ...TUS, ...auth(), 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0', 'Content-Length': String(1024 ** 3) },
      });
      req.on('error', reject);
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode);
        req.destroy();
      });
      req.write(Buffer.alloc(10));
    });
    expect(huge).toBe(413);
    const other = await fetch(url, { method: 'HEAD', headers: { ...TUS, Authorization: `Bearer ${await tokenFor(`${tenant}-other`)}` } });
    expect(other.status).toBe(404);
  });

  it('finishes, on HEAD, an upload whose every byte is stored but whose finish never came', async () => {
    // All bytes through the seed protocol and no finish: what a tus client leaves when its last PATCH's finish is cut short.
    const file = randomBytes(50_000);
    const created = await fetch(`${gateway}/tus`, { method: 'POST', headers: { ...TUS, ...auth(), 'Upload-Length': String(file.length) } });
    const url = created.headers.get('location') as string;
    const part = multipartBody([{ name: 'upload_phase', value: 'transfer' }, { name: 'file_chunk', value: file, filename: 'all.bin' }]);
    expect((await fetch(`${gateway}/assets/${idOf(url)}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': part.contentType }, body: part.body })).status).toBe(200);
    expect((await asset(idOf(url)))['status']).toBe('uploading');

    const state = await head(url);
    expect(state).toMatchObject({ status: 200, offset: String(file.length), length: String(file.length) });
    expect(state.headers.get('upload-expires')).toBeNull();
    expect(await asset(idOf(url))).toMatchObject({ status: expect.stringMatching(/^(processing|ready)$/), checksum: { sha256: createHash('sha256').update(file).digest('hex') } });
  });

  it('terminates an unfinished upload: it is gone for tus and for the API', async () => {
    const started = await tusUpload(randomBytes(600_000), { stopAfterChunks: 1 });
    const terminated = await fetch(started.url, { method: 'DELETE', headers: { ...TUS, ...auth() } });
    expect(terminated.status).toBe(204);
    expect((await head(started.url)).status).toBe(404);
    expect((await fetch(`${gateway}/assets/${idOf(started.url)}`, { headers: auth() })).status).toBe(404);
  });

  it('creation-with-upload: one request that creates and carries the whole file; then processed as a seed upload is, with the same events', async () => {
    const dir = await fixtureDir();
    const photo = await readFile(await makePhoto(dir, { size: '320x240' }));

    const viaTus = await tusUpload(photo, { withData: true, chunkSize: photo.length, metadata: { filename: 'pattern.jpg', filetype: 'image/jpeg', label: 'Photo' } });
    expect(viaTus.finished).toBe(true);
    const tusId = idOf(viaTus.url);

    // The same file through the seed protocol's start / transfer / finish.
    const start = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: photo.length, label: 'Photo', original_name: 'pattern.jpg' }),
    });
    const seedId = ((await start.json()) as { id: string }).id;
    const part = multipartBody([{ name: 'upload_phase', value: 'transfer' }, { name: 'file_chunk', value: photo, filename: 'pattern.jpg' }]);
    expect((await fetch(`${gateway}/assets/${seedId}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': part.contentType }, body: part.body })).status).toBe(200);
    expect(
      (await fetch(`${gateway}/assets/${seedId}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'finish' }) })).status,
    ).toBe(200);

    const ready = (id: string) => until(`asset ${id} ready`, async () => ((await asset(id))['status'] === 'ready' ? asset(id) : undefined), 45_000);
    const [tusAsset, seedAsset] = await Promise.all([ready(tusId), ready(seedId)]);
    const comparable = (a: Record<string, unknown>) => ({
      label: a['label'],
      status: a['status'],
      name: a['name'],
      original_name: a['original_name'],
      mime_type: a['mime_type'],
      file_size: a['file_size'],
      checksum: a['checksum'],
      width: a['width'],
      height: a['height'],
      roles: ((a['cdn_files'] as { items: { role: string }[] }).items.map((f) => f.role)).sort(),
      upload: a['upload'],
    });
    expect(comparable(tusAsset)).toEqual(comparable(seedAsset));
    expect(tusAsset).toMatchObject({ label: 'Photo', width: 320, height: 240 });

    const sequence = (id: string) => events.filter((e) => e.id === id && e.performedBy === `e2e-${tenant}`).map((e) => e.event);
    await until('the events of both uploads', () => (sequence(tusId).includes('asset.uploaded') && sequence(seedId).includes('asset.uploaded') ? true : undefined));
    expect(sequence(tusId)).toEqual(sequence(seedId));
    expect(sequence(tusId)[0]).toBe('asset.created');
  }, 60_000);
});
