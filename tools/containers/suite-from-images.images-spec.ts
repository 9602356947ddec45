import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { assetEventEnvelopeSchema, TOPICS, verifyWebhook } from '@media/asset-model';
import { e2eContext, fixtureDir, makePhoto, makeVideo, sha256OfFile, sha256OfStream, splitFile, tokenFor } from '@media/testing';

interface Asset {
  id: string;
  status: string;
  label: string;
  file_size: number;
  cdn_files: { items: { role: string; url: string }[] };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * The suite as its images run it (non-root, read-only root filesystem, the manifests' environment), driven
 * like a client: the two upload doors, an event seen by an outside Kafka consumer, a video processed to
 * `ready` by the encoder image's ffmpeg, and a signed webhook delivered by fanout.
 */
describe('the suite booted from its images', () => {
  const { gateway, kafkaBrokers } = e2eContext();
  const tenant = `images-${Date.now().toString(36)}`;
  const seen: { id: string; event: string; assetId: string }[] = [];
  const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];
  let token: string;
  let dir: string;
  let consumer: Consumer;
  let receiver: Server;
  let receiverUrl: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    token = await tokenFor(tenant);
    dir = await fixtureDir();
    consumer = new Kafka({ clientId: 'images-pass', brokers: [kafkaBrokers], logLevel: logLevel.NOTHING }).consumer({ groupId: `images-pass-${tenant}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.assetEvents, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const envelope = assetEventEnvelopeSchema.parse(JSON.parse(message.value?.toString() ?? '{}'));
        if (envelope.tenant === tenant) seen.push({ id: envelope.id, event: envelope.event, assetId: envelope.payload.id });
      },
    });
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        hooks.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  const asset = async (id: string): Promise<Asset> => (await (await fetch(`${gateway}/assets/${id}`, { headers: auth() })).json()) as Asset;

  it('takes a one-request upload, tells an outside Kafka consumer, and delivers a signed webhook', async () => {
    const created = await fetch(`${gateway}/webhooks`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, events: ['asset.created'] }),
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };

    const photo = await makePhoto(dir);
    const form = new FormData();
    form.set('source', await openAsBlob(photo), 'photo.jpg');
    const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: auth(), body: form });
    expect(response.status).toBe(201);
    const uploaded = (await response.json()) as Asset;
    const original = uploaded.cdn_files.items.find((file) => file.role === 'original');
    const served = await fetch(original?.url ?? '');
    expect(await sha256OfStream(served.body as unknown as AsyncIterable<Uint8Array>)).toBe(await sha256OfFile(photo));

    const event = await until('asset.created on Kafka', async () => seen.find((e) => e.assetId === uploaded.id && e.event === 'asset.created'));
    const hook = await until('the webhook delivery', async () => hooks.find((h) => h.body.includes(uploaded.id)));
    const headers = { id: String(hook.headers['webhook-id']), timestamp: String(hook.headers['webhook-timestamp']), signature: String(hook.headers['webhook-signature']) };
    expect(verifyWebhook(headers, hook.body, secret)).toBe(true);
    expect(headers.id).toBe(event.id);
    // The photo's renditions come from sharp inside the encoder image (its prebuilt libvips).
    expect(await until('the photo to settle', async () => {
      const current = await asset(uploaded.id);
      return current.status === 'processing' ? undefined : current.status;
    })).toBe('ready');
  });

  it('takes a resumable upload in 1 MiB parts and processes the video to ready', async () => {
    const video = await makeVideo(dir, { seconds: 3, size: '640x360', bitrate: '3M' });
    const { size } = await stat(video);
    const parts = await splitFile(video, 1, dir);
    const start = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ label: 'Video', upload_phase: 'start', file_size: String(size) }),
    });
    expect(start.status).toBe(201);
    const { id } = (await start.json()) as Asset;
    for (const part of parts) {
      const form = new FormData();
      form.set('upload_phase', 'transfer');
      form.set('original_name', path.basename(video));
      form.set('file_chunk', await openAsBlob(part), path.basename(part));
      const transfer = await fetch(`${gateway}/assets/${id}/multipart`, { method: 'POST', headers: auth(), body: form });
      expect(transfer.status).toBe(200);
    }
    const finish = await fetch(`${gateway}/assets/${id}/multipart`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'finish', sha256: await sha256OfFile(video) }),
    });
    expect(finish.status).toBe(200);

    const settled = await until('the video to settle', async () => {
      const current = await asset(id);
      return current.status === 'processing' ? undefined : current;
    });
    expect(settled).toMatchObject({ status: 'ready', label: 'Video', file_size: size });
    const roles = new Set(settled.cdn_files.items.map((file) => file.role));
    expect(roles.has('original')).toBe(true);
    expect(roles.size).toBeGreaterThan(1);
  });
});
