import { createCipheriv, createHash, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootService, integrationEnv, type RunningService, serviceAuthorization } from '@media/testing';
import { type Db, GridFSBucket, MongoClient, ObjectId } from 'mongodb';
import { AppModule } from './app.module';
import { CHUNKS_PER_INSERT } from './files/grid-fs-chunk.writer';
import { RunningHashes } from './uploads/running-hashes';
import { loadStorageConfig } from './storage.config';

const CS = 262_144;
const MiB = 1024 * 1024;

// ---- Deterministic test bytes: an AES-CTR keystream of the seed, so any slice can be made on its own, fast.

function patternBytes(seed: number, offset: number, length: number): Buffer {
  const key = createHash('sha256').update(`pattern:${seed}`).digest().subarray(0, 16);
  const block = Math.floor(offset / 16);
  const counter = Buffer.alloc(16);
  counter.writeUIntBE(block, 10, 6);
  const skip = offset - block * 16;
  return createCipheriv('aes-128-ctr', key, counter).update(Buffer.alloc(skip + length)).subarray(skip);
}

/** A slice of the pattern as a stream of pieces, so big bodies are never whole in the test's memory either. */
async function* patternStream(seed: number, offset: number, length: number, pieceSize = 64 * 1024): AsyncGenerator<Buffer> {
  for (let done = 0; done < length; done += pieceSize) yield patternBytes(seed, offset + done, Math.min(pieceSize, length - done));
}

function patternSha256(seed: number, length: number, encoding: 'hex' | 'base64' = 'hex', offset = 0): string {
  const hash = createHash('sha256');
  for (let done = 0; done < length; done += MiB) hash.update(patternBytes(seed, offset + done, Math.min(MiB, length - done)));
  return hash.digest(encoding);
}

/** Compares a byte stream with the pattern as it arrives, and its length. */
async function expectPattern(stream: AsyncIterable<Buffer | Uint8Array>, seed: number, offset: number, length: number): Promise<void> {
  let position = 0;
  for await (const piece of stream) {
    const expected = patternBytes(seed, offset + position, piece.length);
    if (!expected.equals(Buffer.from(piece))) throw new Error(`bytes differ in the piece at ${position}`);
    position += piece.length;
  }
  expect(position).toBe(length);
}

// ---- A raw HTTP client: streamed bodies with backpressure, early responses, and aborts mid-body.

interface Sent {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface SendOptions {
  method: string;
  headers?: Record<string, string | number>;
  body?: Buffer | AsyncIterable<Buffer>;
  /** Stop sending after this many bytes, call `beforeAbort`, then destroy the connection. */
  abortAfter?: { bytes: number; beforeAbort: () => Promise<void> };
}

/** ingest-api's credential, as its storage client presents it (a test may override it in `headers`). */
const asGateway = () => serviceAuthorization('ingest-api', 'storage');

async function send(url: string, { method, headers = {}, body, abortAfter }: SendOptions): Promise<Sent | 'aborted'> {
  const authorization = await asGateway();
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers: { authorization, ...headers } });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const pieces: Buffer[] = [];
      response.on('data', (piece: Buffer) => pieces.push(piece));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(pieces) });
        // An early answer (413) while we were still sending: stop sending, as a well-behaved client does.
        request.destroy();
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    void (async (): Promise<void> => {
      if (body === undefined || Buffer.isBuffer(body)) {
        request.end(body);
        return;
      }
      let sent = 0;
      for await (const piece of body) {
        if (answered || request.destroyed) return;
        if (abortAfter && sent + piece.length > abortAfter.bytes) {
          const head = piece.subarray(0, abortAfter.bytes - sent);
          if (head.length > 0) await new Promise<void>((done) => request.write(head, () => done()));
          await abortAfter.beforeAbort();
          request.destroy();
          resolve('aborted');
          return;
        }
        sent += piece.length;
        if (!request.write(piece)) await new Promise((drained) => request.once('drain', drained));
      }
      request.end();
    })().catch(reject);
  });
}

async function sent(url: string, options: SendOptions): Promise<Sent> {
  const result = await send(url, options);
  if (result === 'aborted') throw new Error('unexpected abort');
  return result;
}

function json(result: Sent): Record<string, unknown> {
  return JSON.parse(result.body.toString('utf8')) as Record<string, unknown>;
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe('storage API on real MongoDB-wire and Kafka servers', () => {
  let running: RunningService;
  let base: string;
  let client: MongoClient;
  let db: Db;
  const tenant = 'acme';
  /** A call as ingest-api for the test's tenant; `headers` override both. */
  const call = async (url: string, init: RequestInit = {}) =>
    fetch(url, { ...init, headers: { authorization: await asGateway(), 'x-tenant': tenant, ...(init.headers as Record<string, string> | undefined) } });

  beforeAll(async () => {
    const env = integrationEnv('storage-api');
    running = await bootService(AppModule.register(loadStorageConfig(env)));
    base = running.baseUrl;
    client = new MongoClient(env['MONGODB_URI'] ?? '');
    db = client.db();
  });

  afterAll(async () => {
    await running?.close();
    await client?.close();
  });

  function fileHeaders(assetId: string, extra: Record<string, string | number> = {}): Record<string, string | number> {
    return {
      'content-type': 'application/octet-stream',
      'x-asset-id': assetId,
      'x-tenant': tenant,
      'x-file-name': encodeURIComponent('Überblick "final".mp4'),
      'x-content-type': 'video/mp4',
      'x-role': 'original',
      ...extra,
    };
  }

  async function storeFile(seed: number, length: number, assetId = randomUUID()): Promise<{ file_id: string; length: number; sha256: string }> {
    const result = await sent(`${base}/files?max_bytes=${length}`, { method: 'POST', headers: fileHeaders(assetId), body: patternStream(seed, 0, length) });
    expect(result.status).toBe(201);
    return json(result) as { file_id: string; length: number; sha256: string };
  }

  function putChunk(uploadId: string, assetId: string, offset: number, body: Buffer | AsyncIterable<Buffer>, maxBytes = 64 * MiB, extra: Partial<SendOptions> = {}) {
    return send(`${base}/uploads/${uploadId}/chunks?offset=${offset}&max_bytes=${maxBytes}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'x-asset-id': assetId, 'x-tenant': tenant },
      body,
      ...extra,
    });
  }

  /** Sends `sizes` as consecutive transfers of the pattern, checking each answer; returns the committed length. */
  async function transferAll(uploadId: string, assetId: string, seed: number, sizes: number[], start = 0): Promise<number> {
    let offset = start;
    for (const size of sizes) {
      const result = await putChunk(uploadId, assetId, offset, patternStream(seed, offset, size));
      if (result === 'aborted') throw new Error('aborted');
      expect({ status: result.status, body: json(result) }).toEqual({
        status: 200,
        body: { bytes: size, start_offset: offset, end_offset: offset + size, chunk_sha256: patternSha256(seed, size, 'base64', offset) },
      });
      offset += size;
    }
    return offset;
  }

  function complete(uploadId: string, assetId: string, length: number) {
    return call(`${base}/uploads/${uploadId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ length, file_name: 'big.bin', content_type: 'application/octet-stream', role: 'original', asset_id: assetId, tenant }),
    });
  }

  const chunksOf = (id: string) => db.collection('fs.chunks').countDocuments({ files_id: id });
  const partsOf = (id: string) => db.collection('upload_parts').countDocuments({ upload_id: id });
  const orphanChunks = async (): Promise<number> => {
    const fileIds = new Set((await db.collection('fs.files').find({}, { projection: { _id: 1 } }).toArray()).map((f) => String(f._id)));
    const uploadIds = new Set((await db.collection('uploads').find({}, { projection: { _id: 1 } }).toArray()).map((u) => String(u._id)));
    const owners = await db.collection('fs.chunks').distinct('files_id');
    return owners.filter((id) => !fileIds.has(String(id)) && !uploadIds.has(String(id))).length;
  };

  describe('one-request files', () => {
    it('stores a streamed body as one GridFS file and reads it back byte-identical', async () => {
      const length = 700_000;
      const stored = await storeFile(1, length);
      expect(stored).toEqual({ file_id: expect.stringMatching(/^[0-9a-f]{24}$/), length, sha256: patternSha256(1, length) });

      const response = await call(`${base}/files/${stored.file_id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(length));
      expect(response.headers.get('content-type')).toBe('video/mp4');
      expect(response.headers.get('accept-ranges')).toBe('bytes');
      expect(response.headers.get('etag')).toBe(`"${stored.file_id}-${stored.sha256}"`);
      expect(response.headers.get('content-disposition')).toContain(`filename*=UTF-8''%C3%9Cberblick%20%22final%22.mp4`);
      await expectPattern(response.body as AsyncIterable<Uint8Array>, 1, 0, length);

      const doc = await db.collection<{ _id: string }>('fs.files').findOne({ _id: stored.file_id });
      expect(doc).toMatchObject({
        length,
        chunkSize: CS,
        filename: 'Überblick "final".mp4',
        metadata: { asset_id: expect.any(String), tenant, role: 'original', content_type: 'video/mp4', sha256: stored.sha256 },
      });
      expect(await chunksOf(stored.file_id)).toBe(3);
    });

    it('stores an empty file', async () => {
      const stored = await storeFile(2, 0);
      expect(stored.sha256).toBe(createHash('sha256').digest('hex'));
      const response = await call(`${base}/files/${stored.file_id}`);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBe(0);
    });

    it('refuses a declared body over max_bytes with 413 file_too_large before storing anything', async () => {
      const before = await db.collection('fs.files').countDocuments();
      const result = await sent(`${base}/files?max_bytes=300000`, {
        method: 'POST',
        headers: { ...fileHeaders(randomUUID()), 'content-length': MiB },
        body: patternStream(3, 0, MiB),
      });
      expect(result.status).toBe(413);
      expect(result.headers['content-type']).toContain('application/problem+json');
      expect(json(result)).toMatchObject({ status: 413, code: 'file_too_large', max_bytes: 300_000 });
      expect(await db.collection('fs.files').countDocuments()).toBe(before);
      expect(await orphanChunks()).toBe(0);
    });

    it('stops a chunked body at max_bytes, aborts the upload stream and leaves no chunk behind', async () => {
      const before = await db.collection('fs.files').countDocuments();
      const result = await sent(`${base}/files?max_bytes=600000`, { method: 'POST', headers: fileHeaders(randomUUID()), body: patternStream(4, 0, 2 * MiB) });
      expect(json(result)).toMatchObject({ status: 413, code: 'file_too_large' });
      expect(await db.collection('fs.files').countDocuments()).toBe(before);
      expect(await orphanChunks()).toBe(0);
    });

    it('leaves nothing behind when the client disconnects mid-body', async () => {
      const before = await db.collection('fs.files').countDocuments();
      const chunksBefore = await db.collection('fs.chunks').countDocuments();
      const result = await send(`${base}/files?max_bytes=${4 * MiB}`, {
        method: 'POST',
        headers: { ...fileHeaders(randomUUID()), 'content-length': 4 * MiB },
        body: patternStream(5, 0, 4 * MiB),
        abortAfter: {
          bytes: (CHUNKS_PER_INSERT + 3) * CS + 10,
          // Abort only once the server has really written chunks (a batch of them), so the cleanup is what is under test.
          beforeAbort: () => eventually('chunks written', async () => (await db.collection('fs.chunks').countDocuments()) >= chunksBefore + CHUNKS_PER_INSERT),
        },
      });
      expect(result).toBe('aborted');
      await eventually('the aborted upload cleaned up', async () => (await db.collection('fs.chunks').countDocuments()) === chunksBefore);
      expect(await db.collection('fs.files').countDocuments()).toBe(before);
    });

    it.each([
      ['no identifying headers', { 'content-type': 'application/octet-stream' }, 'max_bytes=10', ['x-asset-id', 'x-tenant', 'x-file-name', 'x-content-type', 'x-role']],
      ['a bad role', fileHeaders('a1', { 'x-role': 'master' }), 'max_bytes=10', ['x-role']],
      ['no max_bytes', fileHeaders('a1'), '', ['max_bytes']],
    ])('answers 400 invalid_request for %s, naming the inputs', async (_, headers, query, fields) => {
      const result = await sent(`${base}/files?${query}`, { method: 'POST', headers, body: Buffer.from('0123456789') });
      expect(result.status).toBe(400);
      const problem = json(result) as { code: string; errors: { field: string }[] };
      expect(problem.code).toBe('invalid_request');
      expect(problem.errors.map((error) => error.field)).toEqual(fields);
    });

    it('answers 415 for a body that is not application/octet-stream', async () => {
      const result = await sent(`${base}/files?max_bytes=10`, {
        method: 'POST',
        headers: { ...fileHeaders('a1'), 'content-type': 'text/plain' },
        body: Buffer.from('hello'),
      });
      expect(json(result)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    });
  });

  describe('reads', () => {
    const length = 700_000;
    let fileId: string;
    let etag: string;

    beforeAll(async () => {
      fileId = (await storeFile(10, length)).file_id;
      etag = (await call(`${base}/files/${fileId}`, { method: 'HEAD' })).headers.get('etag') ?? '';
    });

    it.each([
      ['the start', 'bytes=0-99', 0, 99],
      ['a range across a chunk boundary', `bytes=${CS - 10}-${CS + 9}`, CS - 10, CS + 9],
      ['a range across two chunk boundaries', `bytes=100-${2 * CS + 100}`, 100, 2 * CS + 100],
      ['an open range', 'bytes=699990-', 699_990, 699_999],
      ['a suffix', 'bytes=-1000', 699_000, 699_999],
      ['a last position past the end', 'bytes=699000-999999', 699_000, 699_999],
    ])('serves %s as 206', async (_, range, start, end) => {
      const response = await call(`${base}/files/${fileId}`, { headers: { range } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${length}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      await expectPattern(response.body as AsyncIterable<Uint8Array>, 10, start, end - start + 1);
    });

    it('answers an unsatisfiable range with 416 and the length', async () => {
      const response = await call(`${base}/files/${fileId}`, { headers: { range: `bytes=${length}-` } });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${length}`);
      expect(await response.json()).toMatchObject({ code: 'range_not_satisfiable', length });
    });

    it('answers several ranges with the whole file', async () => {
      const response = await call(`${base}/files/${fileId}`, { headers: { range: 'bytes=0-1,5-6' } });
      expect(response.status).toBe(200);
      await expectPattern(response.body as AsyncIterable<Uint8Array>, 10, 0, length);
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const response = await call(`${base}/files/${fileId}`, { method: 'HEAD', headers: { range: 'bytes=-10' } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-length')).toBe('10');
      expect((await response.arrayBuffer()).byteLength).toBe(0);
    });

    it('honours If-None-Match with 304, and If-Range', async () => {
      expect(etag).toMatch(/^"[0-9a-f]{24}-[0-9a-f]{64}"$/);
      const notModified = await call(`${base}/files/${fileId}`, { headers: { 'if-none-match': etag } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(etag);
      expect((await call(`${base}/files/${fileId}`, { headers: { range: 'bytes=0-0', 'if-range': etag } })).status).toBe(206);
      const stale = await call(`${base}/files/${fileId}`, { headers: { range: 'bytes=0-0', 'if-range': '"other"' } });
      expect(stale.status).toBe(200);
      await stale.arrayBuffer();
    });

    it('answers 404 problem+json for an unknown, a malformed, or another tenant’s id', async () => {
      for (const [id, headers] of [
        [new ObjectId().toHexString(), {}],
        ['not-a-stored-id', {}],
        ['malformed:id', {}],
        ['x'.repeat(200), {}],
        [fileId, { 'x-tenant': 'globex' }],
      ] as const) {
        const response = await call(`${base}/files/${id}`, { headers });
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(await response.json()).toMatchObject({ code: 'file_not_found' });
      }
    });

    it('serves short ranges read together with the file lookup exactly as longer ones, and only to the file’s tenant', async () => {
      const bigLength = 3 * MiB + 12_345;
      const big = (await storeFile(12, bigLength)).file_id;
      for (const [start, end] of [
        [0, 8 * CS - 1], // eight whole chunks: read ahead
        [CS + 7, 9 * CS + 6], // nine chunks: read after the lookup
        [bigLength - 20, bigLength + 5_000], // the short last chunk, the end clamped
        [5, 5],
      ] as const) {
        const response = await call(`${base}/files/${big}`, { headers: { range: `bytes=${start}-${end}` } });
        expect(response.status).toBe(206);
        const last = Math.min(end, bigLength - 1);
        await expectPattern(response.body as AsyncIterable<Uint8Array>, 12, start, last - start + 1);
      }
      const foreign = await call(`${base}/files/${big}`, { headers: { range: 'bytes=0-99', 'x-tenant': 'globex' } });
      expect(foreign.status).toBe(404);
      expect(await foreign.json()).toMatchObject({ code: 'file_not_found' });
    });

    it('checks chunks read ahead like any others: a missing chunk breaks the answer, never shortens it', async () => {
      const damaged = (await storeFile(13, 4 * CS)).file_id;
      await db.collection('fs.chunks').deleteOne({ files_id: damaged, n: 2 });
      const intact = await call(`${base}/files/${damaged}`, { headers: { range: `bytes=0-${2 * CS - 1}` } });
      await expectPattern(intact.body as AsyncIterable<Uint8Array>, 13, 0, 2 * CS);
      const broken = await call(`${base}/files/${damaged}`, { headers: { range: `bytes=${CS}-${3 * CS}` } });
      await expect(broken.arrayBuffer()).rejects.toThrow();
    });

    it('deletes a file by id, idempotently', async () => {
      const { file_id } = await storeFile(11, 300_000);
      expect((await call(`${base}/files/${file_id}`, { method: 'DELETE', headers: { 'x-tenant': 'globex' } })).status).toBe(204);
      expect((await call(`${base}/files/${file_id}`, { method: 'HEAD' })).status).toBe(200); // another tenant deletes nothing
      expect((await call(`${base}/files/${file_id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await call(`${base}/files/${file_id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await call(`${base}/files/${file_id}`)).status).toBe(404);
      expect(await chunksOf(file_id)).toBe(0);
    });
  });

  describe('resumable uploads', () => {
    it('gives up an unfinished upload: its chunks, parts and record go; a completed file and other owners are refused', async () => {
      const uploadId = randomUUID();
      const assetId = randomUUID();
      await transferAll(uploadId, assetId, 31, [CS + 10]);
      expect(await chunksOf(uploadId)).toBeGreaterThan(0);
      const abandon = (id: string, owner: string) => call(`${base}/uploads/${id}`, { method: 'DELETE', headers: { 'x-asset-id': owner } });
      const foreign = await abandon(uploadId, randomUUID());
      expect(foreign.status).toBe(409);
      expect(await foreign.json()).toMatchObject({ code: 'upload_owner_mismatch' });
      expect(await chunksOf(uploadId)).toBeGreaterThan(0);
      expect((await abandon(uploadId, assetId)).status).toBe(204);
      expect(await chunksOf(uploadId)).toBe(0);
      expect(await partsOf(uploadId)).toBe(0);
      expect(await db.collection<{ _id: string }>('uploads').countDocuments({ _id: uploadId })).toBe(0);
      // Giving up twice answers the same.
      expect((await abandon(uploadId, assetId)).status).toBe(204);

      const done = randomUUID();
      const length = await transferAll(done, assetId, 32, [100]);
      expect((await complete(done, assetId, length)).status).toBe(200);
      const refused = await abandon(done, assetId);
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ code: 'upload_completed' });
      expect((await call(`${base}/files/${done}`)).status).toBe(200);
    });

    it('assembles transfers of uneven sizes into an ordinary GridFS file another driver reads byte-identical', async () => {
      const uploadId = randomUUID(); // ingest names uploads with UUIDs; the file keeps that id
      const assetId = randomUUID();
      const sizes = [1, 100_000, 300_000, 10 * MiB, 5, CS];
      const length = await transferAll(uploadId, assetId, 20, sizes);

      const response = await complete(uploadId, assetId, length);
      expect(response.status).toBe(200);
      const completed = (await response.json()) as { sha256: string };
      expect(completed).toEqual({ file_id: uploadId, length, sha256: patternSha256(20, length) });

      // The driver's own bucket, from another client and driver version than the service uses. Its typings
      // want an ObjectId; GridFS takes an _id of any type, and so does the driver at run time.
      const bucket = new GridFSBucket(db);
      await expectPattern(bucket.openDownloadStream(uploadId as unknown as ObjectId), 20, 0, length);
      const [file] = await bucket.find({ _id: uploadId as unknown as ObjectId }).toArray();
      expect(file).toMatchObject({ length, chunkSize: CS, filename: 'big.bin', metadata: { asset_id: assetId, tenant, sha256: completed.sha256 } });
      expect(await chunksOf(uploadId)).toBe(Math.ceil(length / CS));
      expect(await partsOf(uploadId)).toBe(0);
      expect(await db.collection<{ _id: string }>('uploads').countDocuments({ _id: uploadId })).toBe(0);

      // Completing again answers the same; the API serves it like any file.
      const again = await complete(uploadId, assetId, length);
      expect({ status: again.status, body: await again.json() }).toEqual({ status: 200, body: completed });
      const ranged = await call(`${base}/files/${uploadId}`, { headers: { range: `bytes=${CS - 3}-${CS + 3}` } });
      await expectPattern(ranged.body as AsyncIterable<Uint8Array>, 20, CS - 3, 7);
    }, 180_000);

    it('skips the chunk hash when asked (chunk_sha256=false) and reads it back from the stored bytes on request', async () => {
      const uploadId = randomUUID();
      const assetId = randomUUID();
      const sha256Of = (offset: number, end: number, owner = assetId) =>
        call(`${base}/uploads/${uploadId}/chunks/sha256?offset=${offset}&end=${end}`, { headers: { 'x-asset-id': owner } });
      // Within one chunk, from 0; across chunk boundaries from a carried tail; ending exactly on a boundary; a whole chunk.
      const sizes = [1000, 3 * CS + 17, 2 * CS - 1000 - 17, CS];
      let offset = 0;
      for (const size of sizes) {
        const result = await send(`${base}/uploads/${uploadId}/chunks?offset=${offset}&max_bytes=${64 * MiB}&chunk_sha256=false`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', 'x-asset-id': assetId, 'x-tenant': tenant },
          body: patternStream(21, offset, size),
        });
        if (result === 'aborted') throw new Error('aborted');
        expect({ status: result.status, body: json(result) }).toEqual({ status: 200, body: { bytes: size, start_offset: offset, end_offset: offset + size } });
        const hashed = await sha256Of(offset, offset + size);
        expect({ status: hashed.status, body: await hashed.json() }).toEqual({ status: 200, body: { chunk_sha256: patternSha256(21, size, 'base64', offset) } });
        offset += size;
      }
      // No transfer ended there, another asset's claim, an empty range: refused, never a hash of something else.
      expect(await (await sha256Of(0, 999)).json()).toMatchObject({ status: 409, code: 'upload_state_mismatch' });
      expect(await (await sha256Of(0, 1000, randomUUID())).json()).toMatchObject({ status: 409, code: 'upload_owner_mismatch' });
      expect(await (await sha256Of(1000, 1000)).json()).toMatchObject({ status: 400 });
      expect((await complete(uploadId, assetId, offset)).status).toBe(200);
      const bucket = new GridFSBucket(db);
      await expectPattern(bucket.openDownloadStream(uploadId as unknown as ObjectId), 21, 0, offset);
    }, 180_000);

    it('rebuilds the whole-file hash from the stored bytes when an upload arrives from another replica', async () => {
      const uploadId = randomUUID();
      const assetId = randomUUID();
      // The running hash lives in the process that took the transfers; forgetting it is what another
      // replica (or this one after a restart) sees: it must rebuild it from fs.chunks and the saved tail.
      const hashes = running.app.get(RunningHashes);
      let offset = 0;
      for (const size of [CS + 7, 3 * CS, 5]) {
        offset = await transferAll(uploadId, assetId, 50, [size], offset);
        hashes.forget(uploadId);
      }
      const response = await complete(uploadId, assetId, offset);
      expect(await response.json()).toEqual({ file_id: uploadId, length: offset, sha256: patternSha256(50, offset) });
    }, 60_000);

    it('keeps committed data when a transfer exceeds max_bytes or its client disconnects, and a retry succeeds', async () => {
      const uploadId = new ObjectId().toHexString();
      const assetId = randomUUID();
      const committed = await transferAll(uploadId, assetId, 30, [300_001]); // ends mid-chunk 1
      const committedChunks = await chunksOf(uploadId);
      expect(committedChunks).toBe(1);

      // Too large: a chunked body, so storage must count while streaming (it writes chunks 1 and 2 first).
      const tooLarge = await putChunk(uploadId, assetId, committed, patternStream(30, committed, 2 * MiB), 700_000);
      if (tooLarge === 'aborted') throw new Error('aborted');
      expect(tooLarge.status).toBe(413);
      expect(json(tooLarge)).toMatchObject({ code: 'chunk_too_large', max_bytes: 700_000 });
      expect(await chunksOf(uploadId)).toBe(committedChunks);

      // A client that goes away after storage wrote a batch of chunks of its transfer.
      const aborted = await putChunk(uploadId, assetId, committed, patternStream(30, committed, 4 * MiB), 64 * MiB, {
        headers: { 'content-type': 'application/octet-stream', 'x-asset-id': assetId, 'x-tenant': tenant, 'content-length': 4 * MiB },
        abortAfter: {
          bytes: (CHUNKS_PER_INSERT + 3) * CS,
          beforeAbort: () => eventually('transfer chunks written', async () => (await chunksOf(uploadId)) >= committedChunks + CHUNKS_PER_INSERT),
        },
      });
      expect(aborted).toBe('aborted');
      await eventually('the aborted transfer cleaned up', async () => (await chunksOf(uploadId)) === committedChunks);

      // A transfer that succeeded but that ingest never committed: its leftovers go with the next transfer.
      await transferAll(uploadId, assetId, 99, [CS + 5], committed);

      // The retry at the committed offset, then the rest.
      const length = await transferAll(uploadId, assetId, 30, [MiB, 17], committed);
      const response = await complete(uploadId, assetId, length);
      expect(await response.json()).toEqual({ file_id: uploadId, length, sha256: patternSha256(30, length) });
      await expectPattern(new GridFSBucket(db).openDownloadStream(uploadId as unknown as ObjectId), 30, 0, length);
    }, 120_000);

    it('refuses a transfer at an offset no transfer ended at, and one for another asset', async () => {
      const uploadId = new ObjectId().toHexString();
      const assetId = randomUUID();
      await transferAll(uploadId, assetId, 40, [1000]);
      const wrongOffset = await putChunk(uploadId, assetId, 999, Buffer.alloc(10));
      if (wrongOffset === 'aborted') throw new Error('aborted');
      expect(json(wrongOffset)).toMatchObject({ status: 409, code: 'upload_state_mismatch', offset: 999 });
      const otherAsset = await putChunk(uploadId, randomUUID(), 1000, Buffer.alloc(10));
      if (otherAsset === 'aborted') throw new Error('aborted');
      expect(json(otherAsset)).toMatchObject({ status: 409, code: 'upload_owner_mismatch' });
      const empty = await putChunk(uploadId, assetId, 1000, Buffer.alloc(0));
      if (empty === 'aborted') throw new Error('aborted');
      expect(json(empty)).toMatchObject({ status: 400, code: 'empty_chunk' });
      const badId = await putChunk('no:pe', assetId, 0, Buffer.alloc(1));
      if (badId === 'aborted') throw new Error('aborted');
      expect(json(badId)).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(await (await complete(uploadId, assetId, 1001)).json()).toMatchObject({ status: 409, code: 'upload_state_mismatch' });
    });

    it('refuses transfers to a completed upload and a completion with another length', async () => {
      const uploadId = new ObjectId().toHexString();
      const assetId = randomUUID();
      const length = await transferAll(uploadId, assetId, 41, [CS]);
      expect((await complete(uploadId, assetId, length)).status).toBe(200);
      const late = await putChunk(uploadId, assetId, length, Buffer.alloc(10));
      if (late === 'aborted') throw new Error('aborted');
      expect(json(late)).toMatchObject({ status: 409, code: 'upload_completed' });
      expect(await chunksOf(uploadId)).toBe(1);
      expect(await (await complete(uploadId, assetId, length + 1)).json()).toMatchObject({ status: 409, code: 'upload_state_mismatch' });
    });

    it('completes 64 MiB in about the time of 1 MiB (no bytes are copied)', async () => {
      const timings: Record<string, number> = {};
      for (const [label, size] of [
        ['1 MiB', MiB],
        ['64 MiB', 64 * MiB],
      ] as const) {
        const uploadId = new ObjectId().toHexString();
        const assetId = randomUUID();
        // Two transfers, the first ending mid-chunk, so completion has a tail chunk to write.
        const first = Math.floor(size * 0.75) + 3;
        const started = Date.now();
        await transferAll(uploadId, assetId, 50, [first, size - first]);
        const transferMs = Date.now() - started;
        const completeStarted = process.hrtime.bigint();
        const response = await complete(uploadId, assetId, size);
        timings[label] = Number(process.hrtime.bigint() - completeStarted) / 1e6;
        expect(await response.json()).toMatchObject({ length: size, sha256: patternSha256(50, size) });
        process.stderr.write(
          `[storage timing] ${label}: transfers ${transferMs} ms (${((size / MiB / transferMs) * 1000).toFixed(1)} MiB/s), complete ${timings[label]?.toFixed(1)} ms\n`,
        );
        await call(`${base}/assets/${assetId}/files`, { method: 'DELETE', headers: { 'x-tenant': tenant } });
      }
    }, 300_000);
  });

  describe('deleting an asset', () => {
    it('removes its files, its completed and unfinished uploads, and nothing of other assets or tenants', async () => {
      const assetId = randomUUID();
      const one = await storeFile(60, 400_000, assetId);
      const finished = new ObjectId().toHexString();
      await transferAll(finished, assetId, 61, [CS + 1]);
      expect((await complete(finished, assetId, CS + 1)).status).toBe(200);
      const unfinished = new ObjectId().toHexString();
      await transferAll(unfinished, assetId, 62, [2 * CS + 7]);
      const bystander = await storeFile(63, 1000);

      expect((await call(`${base}/assets/${assetId}/files`, { method: 'DELETE', headers: { 'x-tenant': 'globex' } })).status).toBe(204);
      expect(await chunksOf(one.file_id)).toBeGreaterThan(0);

      for (let round = 0; round < 2; round += 1) {
        expect((await call(`${base}/assets/${assetId}/files`, { method: 'DELETE', headers: { 'x-tenant': tenant } })).status).toBe(204);
      }
      const ids = [one.file_id, finished, unfinished];
      expect(await db.collection<{ _id: string }>('fs.files').countDocuments({ $or: [{ _id: { $in: ids } }, { 'metadata.asset_id': assetId }] })).toBe(0);
      expect(await db.collection('fs.chunks').countDocuments({ files_id: { $in: ids } })).toBe(0);
      expect(await db.collection<{ _id: string }>('uploads').countDocuments({ $or: [{ _id: { $in: ids } }, { asset_id: assetId }] })).toBe(0);
      expect(await db.collection('upload_parts').countDocuments({ upload_id: { $in: ids } })).toBe(0);
      expect((await call(`${base}/files/${bystander.file_id}`, { method: 'HEAD' })).status).toBe(200);
    });

    it('needs the tenant', async () => {
      const response = await fetch(`${base}/assets/${randomUUID()}/files`, { method: 'DELETE', headers: { authorization: await asGateway() } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_request', errors: [{ field: 'x-tenant' }] });
    });
  });
});
