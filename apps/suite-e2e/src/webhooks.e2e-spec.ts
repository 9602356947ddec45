import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assetEventEnvelopeSchema, verifyWebhook } from '@media/asset-model';
import { e2eContext, multipartBody, tokenFor } from '@media/testing';

const { gateway } = e2eContext();

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: string;
  secret?: string;
}

interface Delivery {
  id: string;
  event_id: string;
  event: string;
  status: string;
  attempts: { at: string; status_code: number | null; error: string | null; duration_ms: number }[];
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Customer webhooks through the gateway (SPEC §4, §5): a receiver on loopback, which the suite allow-lists. */
describe('webhooks', () => {
  const received: Received[] = [];
  const replies = new Map<string, (response: ServerResponse) => void>();
  let server: Server;
  let receiver: string;
  const tenant = `hooks-${randomUUID().slice(0, 8)}`;
  let token: string;

  beforeAll(async () => {
    // The global setup's readiness polls may leave an idle keep-alive socket to the gateway that the server
    // closes just as it is reused ("other side closed"); a throwaway request takes that socket out of the pool.
    await fetch(`${gateway}/health/live`).catch(() => undefined);
    token = await tokenFor(tenant);
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const reply = replies.get(path);
        if (reply) reply(response);
        else response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  async function call<T>(method: string, path: string, body?: unknown, bearer: string = token): Promise<{ status: number; body: T; contentType: string | null }> {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: { Authorization: `Bearer ${bearer}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, contentType: response.headers.get('content-type') };
  }

  const receivedAt = (path: string) => received.filter((r) => r.path === path);
  const deliveriesOf = async (id: string) => (await call<{ total: number; items: Delivery[] }>('GET', `/webhooks/${id}/deliveries`)).body.items;

  it('subscribes, shows the secret once, and delivers signed asset.created and asset.uploaded', async () => {
    const created = await call<Webhook>('POST', '/webhooks', { url: `${receiver}/hooks`, events: ['asset.created', 'asset.uploaded'], description: 'e2e' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${receiver}/hooks`, events: ['asset.created', 'asset.uploaded'], description: 'e2e', status: 'active' });
    const secret = created.body.secret ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/);
    const { id } = created.body;

    const read = await call<Webhook>('GET', `/webhooks/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    const list = await call<{ items: Webhook[] }>('GET', '/webhooks');
    expect(list.body.items.map((w) => w.id)).toEqual([id]);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const { body, contentType } = multipartBody([{ name: 'source', value: 'hello webhooks', filename: 'note.txt' }]);
    const upload = await fetch(`${gateway}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });
    expect(upload.status).toBe(201);
    const asset = (await upload.json()) as { id: string };

    await until('asset.created and asset.uploaded', () => receivedAt('/hooks').length >= 2);
    const hooks = receivedAt('/hooks');
    const envelopes = hooks.map((request) => {
      const headers = { id: String(request.headers['webhook-id']), timestamp: String(request.headers['webhook-timestamp']), signature: String(request.headers['webhook-signature']) };
      expect(verifyWebhook(headers, request.body, secret)).toBe(true);
      // Our trace context stays inside: the upload carried none, yet every service traces, and none leaks here.
      expect(request.headers['traceparent']).toBeUndefined();
      expect(request.headers['tracestate']).toBeUndefined();
      expect(verifyWebhook(headers, request.body, `whsec_${Buffer.alloc(24).toString('base64')}`)).toBe(false);
      const envelope = assetEventEnvelopeSchema.parse(JSON.parse(request.body));
      expect(headers.id).toBe(envelope.id);
      return envelope;
    });
    expect(envelopes.map((e) => e.event).sort()).toEqual(['asset.created', 'asset.uploaded']);
    expect(envelopes.every((e) => e.tenant === tenant && e.payload.id === asset.id)).toBe(true);

    // The delivery log lists each attempt; a manual retry sends the same event (same webhook-id) again.
    await until('both deliveries succeeded', async () => (await deliveriesOf(id)).filter((d) => d.status === 'succeeded').length === 2);
    const deliveries = await deliveriesOf(id);
    for (const delivery of deliveries) {
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).toMatchObject({ status_code: 200, error: null, duration_ms: expect.any(Number), at: expect.any(String) });
    }
    const target = deliveries[0] as Delivery;
    const retried = await call<Delivery>('POST', `/webhooks/${id}/deliveries/${target.id}/retry`);
    expect(retried.status).toBe(202);
    await until('the manual retry arrived', () => receivedAt('/hooks').length === 3);
    expect(receivedAt('/hooks')[2]?.headers['webhook-id']).toBe(target.event_id);
    await until('two attempts in the log', async () => (await deliveriesOf(id)).find((d) => d.id === target.id)?.attempts.length === 2);

    // PUT changes, DELETE removes.
    const changed = await call<Webhook>('PUT', `/webhooks/${id}`, { events: ['*'], description: 'all of it' });
    expect(changed.body).toMatchObject({ events: ['*'], description: 'all of it' });
    expect((await call('DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await call('GET', `/webhooks/${id}`)).status).toBe(404);
  });

  it('does not follow a redirect to an internal address', async () => {
    replies.set('/redirects', (response) => response.writeHead(302, { Location: `${receiver}/internal-target` }).end());
    const { body: webhook } = await call<Webhook>('POST', '/webhooks', { url: `${receiver}/redirects`, events: ['asset.created'] });
    const created = await call<{ id: string }>('POST', '/assets', { upload_phase: 'start', file_size: 10 });
    expect(created.status).toBe(201);
    // The suite's schedule is 1 s, 2 s: three attempts, then the delivery is exhausted and stays in the log.
    await until('exhausted', async () => (await deliveriesOf(webhook.id))[0]?.status === 'failed', 30_000);
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery?.attempts.map((a) => a.status_code)).toEqual([302, 302, 302]);
    expect(receivedAt('/redirects')).toHaveLength(3);
    expect(receivedAt('/internal-target')).toHaveLength(0);
    await call('DELETE', `/webhooks/${webhook.id}`);
  });

  it.each([
    'http://127.2/',
    'http://2130706434/',
    'http://0177.0.0.2/',
    'http://[::ffff:127.0.0.2]/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'ftp://example.com/',
    'file:///etc/passwd',
  ])('refuses %s with 400 webhook_url_forbidden', async (url) => {
    const answer = await call<{ code: string; status: number }>('POST', '/webhooks', { url, events: ['*'] });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, code: 'webhook_url_forbidden' });
  });

  it('needs the webhooks scope', async () => {
    const assetsOnly = await tokenFor(tenant, ['assets', 'assets_publish', 'assets_delete']);
    for (const [method, path, body] of [
      ['GET', '/webhooks'],
      ['POST', '/webhooks', { url: `${receiver}/x`, events: ['*'] }],
      ['GET', `/webhooks/${randomUUID()}`],
      ['GET', `/webhooks/${randomUUID()}/deliveries`],
      ['POST', `/webhooks/${randomUUID()}/deliveries/${randomUUID()}/retry`],
    ] as const) {
      const answer = await call<{ code: string; scope: string }>(method, path, body, assetsOnly);
      expect({ method, path, status: answer.status, code: answer.body.code, scope: answer.body.scope }).toEqual({ method, path, status: 403, code: 'insufficient_scope', scope: 'webhooks' });
    }
  });

  it("answers another tenant's webhook like a missing one", async () => {
    const { body: webhook } = await call<Webhook>('POST', '/webhooks', { url: `${receiver}/isolated`, events: ['*'] });
    const other = await tokenFor(`other-${tenant}`);
    for (const [method, path, body] of [
      ['GET', `/webhooks/${webhook.id}`],
      ['PUT', `/webhooks/${webhook.id}`, { description: 'stolen' }],
      ['DELETE', `/webhooks/${webhook.id}`],
      ['GET', `/webhooks/${webhook.id}/deliveries`],
      ['POST', `/webhooks/${webhook.id}/deliveries/${randomUUID()}/retry`],
    ] as const) {
      const answer = await call<{ code: string }>(method, path, body, other);
      expect({ method, status: answer.status, code: answer.body.code }).toEqual({ method, status: 404, code: 'webhook_not_found' });
    }
    expect((await call<{ items: Webhook[] }>('GET', '/webhooks', undefined, other)).body.items).toEqual([]);
    expect((await call<Webhook>('GET', `/webhooks/${webhook.id}`)).body.description).toBeNull();
    await call('DELETE', `/webhooks/${webhook.id}`);
  });
});
