import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Asset, MediaAssetsError, NodeMediaAssetsClient, type UploadProgress, verifyWebhook } from '@media/client/node';
import { e2eContext, type FaultProxy, findRepoRoot, makePhoto, startFaultProxy, tokenFor } from '@media/testing';

const { gateway } = e2eContext();
const MiB = 1024 * 1024;
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('the TypeScript client against the running suite', () => {
  let token: string;
  let dir: string;
  const client = (baseUrl = gateway, extra: Partial<ConstructorParameters<typeof NodeMediaAssetsClient>[0]> = {}) =>
    new NodeMediaAssetsClient({ baseUrl, token, stateDir: dir, retry: { baseDelayMs: 50, maxDelayMs: 500 }, ...extra });

  /** The original's bytes as served by /cdn, hashed. */
  async function servedSha(asset: Asset): Promise<string> {
    const original = asset.cdn_files.items.find((file) => file.role === 'original');
    if (!original) throw new Error(`asset ${asset.id} has no original`);
    const response = await client().fetchFile(original.url);
    return sha(new Uint8Array(await response.arrayBuffer()));
  }

  beforeAll(async () => {
    token = await tokenFor(`client-${randomUUID().slice(0, 8)}`);
    dir = mkdtempSync(path.join(tmpdir(), 'client-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads a Blob, a File, a web stream, a Node stream and a path, each verified by sha256 and served back identical', async () => {
    const photo = await makePhoto(dir, { size: '320x240' });
    const bytes = randomBytes(3 * MiB + 17);
    const file = path.join(dir, 'path.bin');
    writeFileSync(file, bytes);
    const api = client();
    const modes: string[] = [];
    const cases: [string, Promise<Asset>, string][] = [
      ['Blob in one request', api.upload(new Blob([bytes.subarray(0, 200_000)]), { filename: 'small.bin' }), sha(bytes.subarray(0, 200_000))],
      ['File, resumable in 1 MiB chunks', api.upload(new File([bytes], 'file.bin'), { resumableThreshold: 1, chunkSize: MiB }), sha(bytes)],
      [
        'web ReadableStream of known size, resumable',
        api.upload(new Blob([bytes]).stream(), { size: bytes.byteLength, filename: 'stream.bin', mode: 'resumable', chunkSize: MiB }),
        sha(bytes),
      ],
      ['Node stream of unknown size, one request', api.upload(createReadStream(file), { filename: 'node-stream.bin' }), sha(bytes)],
      ['path, resumable', api.upload(file, { resumableThreshold: MiB, chunkSize: MiB, onAsset: () => modes.push('resumable') }), sha(bytes)],
      ['photo by path, one request', api.uploadFile(photo, { name: 'A photo', tags: ['client', 'e2e'] }), execFileSync('sha256sum', [photo]).toString().split(' ')[0] ?? ''],
    ];
    for (const [what, uploading, expected] of cases) {
      const asset = await uploading;
      expect({ what, sha: asset.checksum?.sha256, status: asset.status }).toEqual({ what, sha: expected, status: expect.stringMatching(/processing|ready/) });
      expect({ what, served: await servedSha(asset) }).toEqual({ what, served: expected });
    }
    const photoAsset = await cases[5]?.[1];
    expect(photoAsset).toMatchObject({ label: 'Photo', name: 'A photo', tags: ['client', 'e2e'], original_name: 'photo.jpg' });
    expect(modes).toEqual(['resumable']);
  });

  describe('through a flaky network', () => {
    let proxy: FaultProxy;
    beforeEach(async () => {
      proxy = await startFaultProxy(gateway);
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('survives a 503, a cut mid-chunk, a 429 with Retry-After, a duplicated chunk (409 offset_mismatch) and a lost answer', async () => {
      const bytes = randomBytes(6 * MiB + 5);
      let transfers = 0;
      const faults = [
        { kind: 'answer', status: 503 },
        { kind: 'cut-request', afterBytes: 300_000 },
        { kind: 'answer', status: 429, headers: { 'retry-after': '1' } },
        { kind: 'duplicate' },
        { kind: 'cut-response', afterBytes: 0 },
      ] as const;
      proxy.plan(({ method, url }) => (method === 'POST' && /\/multipart$/.test(url) && transfers < faults.length ? (faults[transfers++] ?? { kind: 'pass' }) : { kind: 'pass' }));
      const progress: UploadProgress[] = [];
      const retries: string[] = [];
      const asset = await client(proxy.url, { onRetry: (notice) => retries.push(notice.reason) }).upload(new Blob([bytes]), {
        filename: 'flaky.bin',
        chunkSize: MiB,
        resumableThreshold: 1,
        onProgress: (p) => progress.push(p),
      });
      expect(asset.checksum?.sha256).toBe(sha(bytes));
      expect(await servedSha(asset)).toBe(sha(bytes));
      expect(retries).toEqual(expect.arrayContaining(['HTTP 503', 'HTTP 429']));
      expect(retries.some((reason) => reason.startsWith('network:'))).toBe(true);
      // After each doubt the client asked the server where the upload stands instead of guessing.
      expect(proxy.requests.filter((r) => r.method === 'GET' && r.url.endsWith('/multipart')).length).toBeGreaterThanOrEqual(3);
      expect(proxy.requests.map((r) => r.fault)).toEqual(expect.arrayContaining(['answer', 'cut-request', 'duplicate', 'cut-response']));
      expect(progress.at(-1)).toEqual({ uploadedBytes: bytes.byteLength, totalBytes: bytes.byteLength, phase: 'done' });
      expect(progress.some((p) => p.uploadedBytes > 0 && p.uploadedBytes < MiB)).toBe(true);
    });

    it('continues a download cut twice in the middle with Range against the real /cdn, byte-identical', async () => {
      const bytes = randomBytes(4 * MiB + 3);
      const asset = await client().upload(new Blob([bytes]), { filename: 'cut.bin' });
      const original = asset.cdn_files.items.find((file) => file.role === 'original')?.url ?? '';
      let cuts = 0;
      proxy.plan(({ url }) => (url.startsWith('/cdn/') && cuts++ < 2 ? { kind: 'cut-response', afterBytes: MiB } : { kind: 'pass' }));
      const target = path.join(dir, 'cut.copy');
      const result = await client(proxy.url).downloadToFile(original.replace(gateway, proxy.url), target);
      expect(result.bytes).toBe(bytes.byteLength);
      expect(sha(readFileSync(target))).toBe(sha(bytes));
      const ranges = proxy.requests.filter((r) => r.url.startsWith('/cdn/')).map((r) => r.headers.range);
      expect(ranges).toHaveLength(3);
      expect(ranges[0]).toBeUndefined();
      expect(ranges.slice(1).every((range) => /^bytes=[1-9]\d*-$/.test(range ?? ''))).toBe(true);
    });

    it('stops on abort and a new client (a new process) resumes the same asset from the resume file', async () => {
      const bytes = randomBytes(5 * MiB);
      const file = path.join(dir, 'abort.bin');
      writeFileSync(file, bytes);
      // Two chunks go through, the third hangs until the abort.
      let transfers = 0;
      proxy.plan(({ method, url }) => (method === 'POST' && url.endsWith('/multipart') && ++transfers === 3 ? { kind: 'hang' } : { kind: 'pass' }));
      const controller = new AbortController();
      let firstId = '';
      const first = client(proxy.url).uploadFile(file, { chunkSize: MiB, resumableThreshold: 1, signal: controller.signal, onAsset: (id) => (firstId = id) });
      first.catch(() => undefined);
      const deadline = Date.now() + 60_000;
      while (!proxy.requests.some((r) => r.fault === 'hang') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort(new DOMException('stop', 'AbortError'));
      await expect(first).rejects.toMatchObject({ name: 'AbortError' });
      expect(firstId).not.toBe('');
      const resumedFrom: number[] = [];
      let resumed = false;
      const asset = await client(proxy.url).uploadFile(file, {
        chunkSize: MiB,
        resumableThreshold: 1,
        onAsset: (_id, wasResumed) => (resumed = wasResumed),
        onProgress: (p) => resumedFrom.push(p.uploadedBytes),
      });
      expect(asset.id).toBe(firstId);
      expect(resumed).toBe(true);
      expect(resumedFrom[0]).toBe(2 * MiB);
      expect(asset.checksum?.sha256).toBe(sha(bytes));
      expect(await servedSha(asset)).toBe(sha(bytes));
    });
  });

  it('lists as an async iterator over pages, updates with If-Match and deletes', async () => {
    const api = client();
    const reference = `ref-${randomUUID()}`;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await api.upload(new Blob([randomBytes(100 + n)]), { filename: `${n}.bin`, reference_id: reference })).id);
    const seen: string[] = [];
    for await (const asset of api.list({ reference_id: reference, limit: 1, sort: 'created_on' })) seen.push(asset.id);
    expect(seen).toEqual(ids);
    // The generated typed call for any operation, with the same token and retries.
    const typed = await api.api.GET('/assets/{id}', { params: { path: { id: ids[1] ?? '' } } });
    expect(typed.data?.id).toBe(ids[1]);
    const { asset, etag } = await api.getWithEtag(ids[0] ?? '');
    expect(etag).toBeTruthy();
    const changed = await api.update(asset.id, { name: 'renamed', tags: ['x'] }, { ifMatch: etag ?? '' });
    expect(changed).toMatchObject({ name: 'renamed', tags: ['x'] });
    await expect(api.update(asset.id, { name: 'lost update' }, { ifMatch: etag ?? '' })).rejects.toMatchObject({ status: 412 });
    await api.delete(asset.id);
    const gone = await api.get(asset.id).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(MediaAssetsError);
    expect(gone).toMatchObject({ status: 404 });
  });

  it('manages webhooks, and verifyWebhook accepts what the fanout delivers and refuses a changed body', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (piece: Buffer) => (body += piece.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const api = client();
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const created = await api.webhooks.create({ url, events: ['asset.created'], description: 'client e2e' });
      expect(created.secret).toMatch(/^whsec_/);
      expect((await api.webhooks.list()).items.map((w) => w.id)).toContain(created.id);
      expect(await api.webhooks.get(created.id)).toMatchObject({ url, events: ['asset.created'] });
      expect(await api.webhooks.update(created.id, { description: 'changed' })).toMatchObject({ description: 'changed' });
      await api.upload(new Blob([randomBytes(64)]), { filename: 'hook.bin' });
      const deadline = Date.now() + 60_000;
      let deliveries = await api.webhooks.deliveries(created.id);
      while ((deliveries.items.length === 0 || received.length === 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        deliveries = await api.webhooks.deliveries(created.id);
      }
      const delivery = deliveries.items[0];
      expect(delivery).toBeDefined();
      const first = received[0];
      expect(first && verifyWebhook(created.secret, first.headers as Record<string, string>, first.body)).toBe(true);
      expect(first && verifyWebhook(created.secret, first.headers as Record<string, string>, `${first.body} `)).toBe(false);
      await api.webhooks.retry(created.id, delivery?.id ?? '');
      await api.webhooks.delete(created.id);
      await expect(api.webhooks.get(created.id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it("has types generated from this gateway's OpenAPI document (npm run client:generate when this fails)", () => {
    const repoRoot = findRepoRoot();
    expect(() =>
      execFileSync(path.join(repoRoot, 'node_modules/.bin/tsx'), ['tools/client/generate-client-types.ts', '--check', '--from', `${gateway}/docs/openapi.json`], { cwd: repoRoot, stdio: 'pipe' }),
    ).not.toThrow();
  });
});
