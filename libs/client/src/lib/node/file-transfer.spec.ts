import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FaultProxy, startFaultProxy } from '@media/testing';
import { FileResumeStore } from './file-resume.store';
import { NodeMediaAssetsClient } from './file-transfer';

// A plain file server with Range and If-Range behind the fault proxy: the download's resume logic is what is tested.
const content = randomBytes(1024 * 1024 + 123);
// Real sockets and a second's Retry-After: more than jest's 5 s default on a loaded machine.
jest.setTimeout(30_000);

let etag = '"v1"';
let server: Server;
let origin: string;
let proxy: FaultProxy;
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const ifRange = request.headers['if-range'];
    if (range && (!ifRange || ifRange === etag)) {
      const start = Number(range[1]);
      if (start >= content.byteLength) {
        response.writeHead(416, { 'content-range': `bytes */${content.byteLength}` }).end();
        return;
      }
      response.writeHead(206, { etag, 'content-range': `bytes ${start}-${content.byteLength - 1}/${content.byteLength}`, 'content-length': content.byteLength - start });
      response.end(content.subarray(start));
      return;
    }
    response.writeHead(200, { etag, 'content-length': content.byteLength });
    response.end(content);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  etag = '"v1"';
  proxy = await startFaultProxy(origin);
  dir = mkdtempSync(path.join(tmpdir(), 'client-download-'));
});
afterEach(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => new NodeMediaAssetsClient({ baseUrl: proxy.url, token: 't', stateDir: dir, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('downloads against network faults', () => {
  it('continues a body cut twice with Range and ends byte-identical', async () => {
    proxy.plan(({ index }) => (index < 2 ? { kind: 'cut-response', afterBytes: 300_000 } : { kind: 'pass' }));
    const target = path.join(dir, 'file.bin');
    const seen: number[] = [];
    const result = await client().downloadToFile(`${proxy.url}/f`, target, { onProgress: (p) => seen.push(p.receivedBytes) });
    expect(sha(readFileSync(target))).toBe(sha(content));
    expect(result).toMatchObject({ bytes: content.byteLength, resumedFrom: 0 });
    // Each retry asks for the rest from what had arrived (bytes in flight at the cut are lost, so at most 300000 more).
    const starts = proxy.requests.map((request) => Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0));
    expect(proxy.requests[0]?.headers.range).toBeUndefined();
    expect(starts).toHaveLength(3);
    expect(starts[1]).toBeGreaterThan(0);
    expect(starts[2]).toBeGreaterThan(starts[1] ?? 0);
    expect(starts[2]).toBeLessThanOrEqual(600_000);
    expect(seen.at(-1)).toBe(content.byteLength);
    expect(existsSync(`${target}.part`) || existsSync(`${target}.part.json`)).toBe(false);
  });

  it("continues the part a killed process left, in a new client, with one ranged request", async () => {
    const target = path.join(dir, 'file.bin');
    writeFileSync(`${target}.part`, content.subarray(0, 500_000));
    writeFileSync(`${target}.part.json`, JSON.stringify({ url: `${proxy.url}/f`, etag: '"v1"' }));
    const result = await client().downloadToFile(`${proxy.url}/f`, target);
    expect(result.resumedFrom).toBe(500_000);
    expect(proxy.requests.map((request) => [request.headers.range, request.headers['if-range']])).toEqual([['bytes=500000-', '"v1"']]);
    expect(sha(readFileSync(target))).toBe(sha(content));
  });

  it('starts over when the file changed since the part was written (If-Range)', async () => {
    const target = path.join(dir, 'file.bin');
    writeFileSync(`${target}.part`, Buffer.alloc(500_000, 1));
    writeFileSync(`${target}.part.json`, JSON.stringify({ url: `${proxy.url}/f`, etag: '"v0"' }));
    await client().downloadToFile(`${proxy.url}/f`, target);
    expect(sha(readFileSync(target))).toBe(sha(content));
  });

  it('finishes a part that was already whole when its process died', async () => {
    const target = path.join(dir, 'file.bin');
    writeFileSync(`${target}.part`, content);
    writeFileSync(`${target}.part.json`, JSON.stringify({ url: `${proxy.url}/f`, etag: '"v1"' }));
    const result = await client().downloadToFile(`${proxy.url}/f`, target);
    expect(result).toMatchObject({ bytes: content.byteLength, resumedFrom: content.byteLength });
    expect(sha(readFileSync(target))).toBe(sha(content));
  });
});

describe('resume store on disk', () => {
  it('is read by a new instance (a new process) and keeps entries written side by side', async () => {
    const first = new FileResumeStore(dir);
    const second = new FileResumeStore(dir);
    await Promise.all([
      first.set('a', { asset_id: 'A', file_size: 1, saved_on: 'now' }),
      first.set('b', { asset_id: 'B', file_size: 2, saved_on: 'now' }),
    ]);
    expect(await second.get('a')).toMatchObject({ asset_id: 'A' });
    await second.delete('a');
    expect(await new FileResumeStore(dir).get('a')).toBeUndefined();
    expect(await new FileResumeStore(dir).get('b')).toMatchObject({ asset_id: 'B' });
  });

  it('treats a damaged file as nothing to resume', async () => {
    writeFileSync(path.join(dir, 'uploads.json'), '{not json');
    expect(await new FileResumeStore(dir).get('a')).toBeUndefined();
    await new FileResumeStore(dir).set('a', { asset_id: 'A', file_size: 1, saved_on: 'now' });
    expect(await new FileResumeStore(dir).get('a')).toMatchObject({ asset_id: 'A' });
  });
});
