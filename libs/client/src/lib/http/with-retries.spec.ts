import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Fault, type FaultProxy, startFaultProxy } from '@media/testing';
import type { RetryPolicy } from './retry.policy';
import { type RetryNotice, retryingFetch, withRetries } from './with-retries';

// A real server behind a proxy that injects the network's faults; the retry logic is what is under test.
const quick: RetryPolicy = { retries: 4, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5000 };

// Real sockets and a second's Retry-After: more than jest's 5 s default on a loaded machine.
jest.setTimeout(30_000);

let upstream: Server;
let upstreamUrl: string;
let received: { method: string; body: string }[];
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    let body = '';
    request.on('data', (piece: Buffer) => (body += piece.toString()));
    request.on('end', () => {
      received.push({ method: request.method ?? '', body });
      response.writeHead(request.url === '/refuse' ? 400 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ seen: received.length, body, padding: 'x'.repeat(64 * 1024) }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
});
beforeEach(async () => {
  received = [];
  proxy = await startFaultProxy(upstreamUrl);
});
afterEach(async () => {
  await proxy.close();
});

/** The first faults in order, then everything passes. */
function faults(...list: Fault[]) {
  proxy.plan(({ index }) => list[index] ?? { kind: 'pass' });
}

function fetchThrough(path: string, init: RequestInit = {}, policy = quick, notices: RetryNotice[] = []) {
  return withRetries(() => fetch(`${proxy.url}${path}`, init), { policy, signal: init.signal ?? undefined, onRetry: (notice) => notices.push(notice) });
}

describe('retries against network faults', () => {
  it('tries again after 503s and reports each retry', async () => {
    faults({ kind: 'answer', status: 503 }, { kind: 'answer', status: 502 });
    const notices: RetryNotice[] = [];
    const response = await fetchThrough('/x', {}, quick, notices);
    expect(response.status).toBe(200);
    expect(proxy.requests).toHaveLength(3);
    expect(received).toHaveLength(1);
    expect(notices.map((notice) => [notice.attempt, notice.reason])).toEqual([
      [1, 'HTTP 503'],
      [2, 'HTTP 502'],
    ]);
  });

  it("waits what a 429's Retry-After asks before the next try", async () => {
    faults({ kind: 'answer', status: 429, headers: { 'retry-after': '1' } });
    const notices: RetryNotice[] = [];
    const began = Date.now();
    const response = await fetchThrough('/x', {}, quick, notices);
    expect(response.status).toBe(200);
    expect(notices).toEqual([{ attempt: 1, delayMs: 1000, reason: 'HTTP 429' }]);
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
  });

  it('tries again when the connection is cut in the middle of the answer', async () => {
    faults({ kind: 'cut-response', afterBytes: 1000 }, { kind: 'cut-response', afterBytes: 10 });
    // fetch resolves on the headers; the cut is seen while the body is read, which the client does within the attempt.
    const response = await retryingFetch(fetch, { policy: quick })(new Request(`${proxy.url}/x`));
    expect(((await response.json()) as { seen: number }).seen).toBe(3);
    expect(proxy.requests.map((request) => request.fault)).toEqual(['cut-response', 'cut-response', 'pass']);
  });

  it('tries again when the connection dies while the request body is sent, and sends the whole body again', async () => {
    faults({ kind: 'cut-request', afterBytes: 5 });
    const body = JSON.stringify({ value: 'y'.repeat(100_000) });
    const response = await retryingFetch(fetch, { policy: quick })(new Request(`${proxy.url}/x`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    expect(response.status).toBe(200);
    expect(received.at(-1)?.body).toBe(body);
    expect(proxy.requests.map((request) => request.fault)).toEqual(['cut-request', 'pass']);
  });

  it('does not repeat a refusal (4xx other than 429)', async () => {
    const response = await fetchThrough('/refuse');
    expect(response.status).toBe(400);
    expect(proxy.requests).toHaveLength(1);
  });

  it('gives the last answer when the retries are used up, and throws the network error when no answer came', async () => {
    proxy.plan(() => ({ kind: 'answer', status: 503 }));
    const answer = await fetchThrough('/x', {}, { ...quick, retries: 2 });
    expect(answer.status).toBe(503);
    expect(proxy.requests).toHaveLength(3);
    proxy.plan(() => ({ kind: 'cut-request', afterBytes: 0 }));
    await expect(fetchThrough('/x', { method: 'POST', body: 'abc' }, { ...quick, retries: 1 })).rejects.toMatchObject({ name: 'TypeError' });
  });

  it('gives up at once when a Retry-After is longer than the client will wait', async () => {
    proxy.plan(() => ({ kind: 'answer', status: 503, headers: { 'retry-after': '3600' } }));
    expect((await fetchThrough('/x')).status).toBe(503);
    expect(proxy.requests).toHaveLength(1);
  });

  it('stops waiting as soon as the AbortSignal fires', async () => {
    proxy.plan(() => ({ kind: 'answer', status: 503, headers: { 'retry-after': '4' } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('stop', 'AbortError')), 100);
    const began = Date.now();
    await expect(fetchThrough('/x', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - began).toBeLessThan(3000);
    expect(proxy.requests).toHaveLength(1);
  });
});
