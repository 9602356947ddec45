import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS } from '@media/asset-model';
import { type IsolatedStack, multipartBody, startIsolatedStack, tokenFor, waitFor } from '@media/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomFile, sha256, slowTransfer, terminate } from './shutdown.helpers';

const MiB = 1024 * 1024;

/**
 * SIGTERM to a service with work in flight, on a stack of its own (own Kafka, own database), so the
 * shared suite never sees these restarts: the service stops taking work, lets what runs finish within
 * SHUTDOWN_GRACE_SECONDS or cuts it cleanly, commits its consumer offsets and exits 0; after a restart
 * nothing is lost or half-written.
 */
describe('graceful shutdown', () => {
  let stack: IsolatedStack;
  let token: string;
  const gateway = () => stack.gateway;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const durations: Record<string, number> = {};

  beforeAll(async () => {
    token = await tokenFor('shutdown');
    stack = await startIsolatedStack({
      name: 'shutdown',
      services: ['ingest-api', 'storage', 'fanout'],
      env: {
        all: { SHUTDOWN_GRACE_SECONDS: '10' },
        'ingest-api': { SHUTDOWN_DELAY_SECONDS: '1' },
        fanout: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32', WEBHOOK_POLL_INTERVAL_MS: '200', WEBHOOK_TIMEOUT_MS: '60000' },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    process.stderr.write(`[shutdown] SIGTERM-to-exit durations (ms): ${JSON.stringify(durations)}\n`);
  });

  async function startUpload(fileSize: number): Promise<string> {
    const response = await fetch(`${gateway()}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: fileSize, original_name: 'film.bin' }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function transfer(id: string, chunk: Buffer): Promise<Response> {
    const { body, contentType } = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: chunk, filename: 'chunk.bin' },
    ]);
    return fetch(`${gateway()}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
  }

  async function offsets(id: string): Promise<{ start_offset: number; file_size: number }> {
    const response = await fetch(`${gateway()}/assets/${id}/multipart`, { headers: auth() });
    expect(response.status).toBe(200);
    return (await response.json()) as { start_offset: number; file_size: number };
  }

  /** Finishes with the whole file's sha256 and reads the stored original back through /cdn. */
  async function finishAndDownload(id: string, expectedSha256: string): Promise<string> {
    const finish = await fetch(`${gateway()}/assets/${id}/multipart`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'finish', sha256: expectedSha256 }),
    });
    expect(finish.status).toBe(200);
    const asset = (await finish.json()) as { status: string; checksum: { sha256: string }; cdn_files: { items: { role: string; url: string }[] } };
    expect(asset.status).toBe('processing');
    expect(asset.checksum.sha256).toBe(expectedSha256);
    const original = asset.cdn_files.items.find((file) => file.role === 'original');
    const download = await fetch(original?.url ?? 'missing');
    expect(download.status).toBe(200);
    return sha256(await download.arrayBuffer());
  }

  it('ingest-api: readiness turns 503 first, a slow chunk in flight completes within the grace, exit 0, the upload resumes', async () => {
    const file = randomFile(3 * MiB);
    const id = await startUpload(file.bytes.length);
    expect((await transfer(id, file.bytes.subarray(0, MiB))).status).toBe(200);

    // 1 MiB over ~2.5 s: well inside the 10 s grace.
    const slow = slowTransfer(`${gateway()}/assets/${id}/multipart`, token, file.bytes.subarray(MiB, 2 * MiB), { pieces: 10, intervalMs: 250 });
    await sleep(500);
    const exit = terminate(stack.suite.process('ingest-api'));
    await sleep(200);
    // During SHUTDOWN_DELAY_SECONDS the listener still answers, but says "not ready" so balancers move on.
    const ready = await fetch(`${gateway()}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    await sleep(1_200);
    // After the delay the listener is closed: new connections are refused.
    await expect(fetch(`${gateway()}/health/live`)).rejects.toThrow();

    const outcome = await slow;
    expect(outcome).toMatchObject({ status: 200, body: { start_offset: 2 * MiB }, connection: 'close' });
    const { code, signal, ms } = await exit;
    durations['ingest-api, chunk finished in grace'] = ms;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(10_000);

    await stack.suite.restart('ingest-api');
    expect(await offsets(id)).toMatchObject({ start_offset: 2 * MiB, file_size: 3 * MiB });
    expect((await transfer(id, file.bytes.subarray(2 * MiB))).status).toBe(200);
    expect(await finishAndDownload(id, file.sha256)).toBe(file.sha256);
  });

  it('ingest-api: a chunk slower than the grace is cut, exit 0, offsets unchanged and the chunk can be sent again at once', async () => {
    await stack.suite.restart('ingest-api', { SHUTDOWN_GRACE_SECONDS: '2', SHUTDOWN_DELAY_SECONDS: '0' });
    const file = randomFile(2 * MiB);
    const id = await startUpload(file.bytes.length);
    expect((await transfer(id, file.bytes.subarray(0, MiB))).status).toBe(200);

    // 1 MiB over ~20 s: cannot finish within the 2 s grace.
    const slow = slowTransfer(`${gateway()}/assets/${id}/multipart`, token, file.bytes.subarray(MiB), { pieces: 40, intervalMs: 500 });
    await sleep(1_000);
    const { code, signal, ms } = await terminate(stack.suite.process('ingest-api'));
    durations['ingest-api, chunk cut at grace'] = ms;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeGreaterThanOrEqual(2_000);
    expect(ms).toBeLessThan(2_000 + 10_000);
    const outcome = await slow;
    // Cut like a dropped connection: no 2xx, nothing committed.
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toBeDefined();

    await stack.suite.restart('ingest-api');
    expect(await offsets(id)).toMatchObject({ start_offset: MiB });
    // The cut transfer released its upload: no 409 transfer_in_progress while a lease runs out.
    expect((await transfer(id, file.bytes.subarray(MiB))).status).toBe(200);
    expect(await finishAndDownload(id, file.sha256)).toBe(file.sha256);
  });

  it('storage: a chunk cut at the grace is refused with 503, storage exits 0, offsets unchanged, the upload completes after restart', async () => {
    await stack.suite.restart('storage', { SHUTDOWN_GRACE_SECONDS: '2' });
    const file = randomFile(2 * MiB);
    const id = await startUpload(file.bytes.length);
    expect((await transfer(id, file.bytes.subarray(0, MiB))).status).toBe(200);

    const slow = slowTransfer(`${gateway()}/assets/${id}/multipart`, token, file.bytes.subarray(MiB), { pieces: 40, intervalMs: 500 });
    await sleep(1_000);
    const { code, signal, ms } = await terminate(stack.suite.process('storage'));
    durations['storage, chunk cut at grace'] = ms;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(2_000 + 10_000);
    const outcome = await slow;
    // ingest-api answers for the storage it lost: a retryable 503, or the connection ends if the client
    // was mid-write; never a 2xx.
    if (outcome.status !== undefined) expect(outcome).toMatchObject({ status: 503, body: { code: 'storage_unavailable' } });
    else expect(outcome.error).toBeDefined();

    await stack.suite.restart('storage');
    await waitFor('the upload lease to be free', async () => (await offsets(id)).start_offset === MiB, { timeoutMs: 10_000 });
    expect((await transfer(id, file.bytes.subarray(MiB))).status).toBe(200);
    expect(await finishAndDownload(id, file.sha256)).toBe(file.sha256);
  });

  it('storage: a chunk that finishes within the grace is kept; exit 0', async () => {
    const file = randomFile(2 * MiB);
    const id = await startUpload(file.bytes.length);
    const slow = slowTransfer(`${gateway()}/assets/${id}/multipart`, token, file.bytes.subarray(0, MiB), { pieces: 8, intervalMs: 250 });
    await sleep(500);
    const { code, signal, ms } = await terminate(stack.suite.process('storage'));
    durations['storage, chunk finished in grace'] = ms;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(await slow).toMatchObject({ status: 200, body: { start_offset: MiB } });

    await stack.suite.restart('storage');
    expect((await transfer(id, file.bytes.subarray(MiB))).status).toBe(200);
    expect(await finishAndDownload(id, file.sha256)).toBe(file.sha256);
  });

  describe('fanout', () => {
    let receiver: Server;
    const received: { id: string; at: number }[] = [];
    let holdFirst = true;

    beforeAll(async () => {
      // The first attempt hangs (a slow receiver) past fanout's grace; later ones answer at once.
      receiver = createServer((request: IncomingMessage, response) => {
        request.resume();
        received.push({ id: String(request.headers['webhook-id']), at: Date.now() });
        if (holdFirst) {
          holdFirst = false;
          response.on('close', () => undefined);
          return;
        }
        response.writeHead(204).end();
      });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
    });

    afterAll(async () => {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    });

    it('SIGTERM mid-delivery: exit 0 with offsets committed, and the delivery completes after restart with the same webhook-id', async () => {
      await stack.suite.restart('fanout', { SHUTDOWN_GRACE_SECONDS: '2' });
      const port = (receiver.address() as AddressInfo).port;
      const created = await fetch(`${gateway()}/webhooks`, {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, events: ['asset.created'] }),
      });
      expect(created.status).toBe(201);
      const webhook = (await created.json()) as { id: string };
      const upload = multipartBody([{ name: 'source', value: Buffer.from('hello, webhook'), filename: 'note.txt' }]);
      const asset = await fetch(`${gateway()}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': upload.contentType }, body: upload.body });
      expect(asset.status).toBe(201);

      await waitFor('the first (slow) attempt to reach the receiver', async () => received.length === 1, { timeoutMs: 30_000 });
      const { code, signal, ms } = await terminate(stack.suite.process('fanout'));
      durations['fanout, delivery cut at grace'] = ms;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(ms).toBeGreaterThanOrEqual(2_000);
      expect(ms).toBeLessThan(2_000 + 10_000);

      // The consumer committed what it handled before leaving its group: its lag is zero.
      const kafka = new Kafka({ clientId: 'shutdown-e2e', brokers: [stack.kafka.brokers], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [committed] = await admin.fetchOffsets({ groupId: 'fanout', topics: [TOPICS.assetEvents] });
        const ends = await admin.fetchTopicOffsets(TOPICS.assetEvents);
        const end = (partition: number) => Number(ends.find((entry) => entry.partition === partition)?.offset ?? '0');
        const lag = (committed?.partitions ?? []).reduce((sum, entry) => sum + end(entry.partition) - Math.max(0, Number(entry.offset)), 0);
        expect(lag).toBe(0);
      } finally {
        await admin.disconnect();
      }

      await stack.suite.restart('fanout');
      await waitFor('the delivery to be sent again', async () => received.length >= 2, { timeoutMs: 30_000 });
      expect(new Set(received.map((attempt) => attempt.id)).size).toBe(1);
      // Handed back due now at shutdown: sent again right after the restart, not after the 60 s lease.
      const deliveries = async () =>
        ((await (await fetch(`${gateway()}/webhooks/${webhook.id}/deliveries`, { headers: auth() })).json()) as { items: { event_id?: string; status: string }[] }).items;
      await waitFor('the delivery to succeed', async () => (await deliveries())[0]?.status === 'succeeded', { timeoutMs: 10_000 });
      expect(await deliveries()).toHaveLength(1);
    });
  });
});
