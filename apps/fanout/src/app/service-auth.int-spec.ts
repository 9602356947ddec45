import { randomUUID } from 'node:crypto';
import { bootService, expiredServiceAuthorization, forgedServiceAuthorization, identityEnv, integrationEnv, type RunningService, serviceAuthorization } from '@media/testing';
import { AppModule } from './app.module';
import { loadFanoutConfig } from './fanout.config';

/**
 * Fanout's trust boundary: its webhook API takes a tenant from `x-tenant`, so only ingest-api's service
 * token may reach it; the encoder, expired or forged tokens and tokens for storage are refused.
 */
describe('fanout service authentication', () => {
  let running: RunningService;
  let base: string;
  let webhookId: string;
  const gateway = () => serviceAuthorization('ingest-api', 'fanout');


  beforeAll(async () => {
    // As deployed: fanout trusts ingest-api's key alone.
    running = await bootService(AppModule.register(loadFanoutConfig(integrationEnv('fanout-auth', { ...identityEnv('fanout'), WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32' }))));
    base = running.baseUrl;
    const created = await fetch(`${base}/internal/webhooks`, {
      method: 'POST',
      headers: { authorization: await gateway(), 'x-tenant': 'acme', 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/in' }),
    });
    expect(created.status).toBe(201);
    webhookId = ((await created.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await running?.close();
  });

  const routes: { name: string; method: string; path: () => string; body?: string }[] = [
    { name: 'create', method: 'POST', path: () => '/internal/webhooks', body: JSON.stringify({ url: 'http://127.0.0.1:9/x' }) },
    { name: 'list', method: 'GET', path: () => '/internal/webhooks' },
    { name: 'get', method: 'GET', path: () => `/internal/webhooks/${webhookId}` },
    { name: 'update', method: 'PUT', path: () => `/internal/webhooks/${webhookId}`, body: JSON.stringify({ description: 'changed' }) },
    { name: 'delete', method: 'DELETE', path: () => `/internal/webhooks/${webhookId}` },
    { name: 'list deliveries', method: 'GET', path: () => `/internal/webhooks/${webhookId}/deliveries` },
    { name: 'retry a delivery', method: 'POST', path: () => `/internal/webhooks/${webhookId}/deliveries/${randomUUID()}/retry` },
  ];

  it.each(routes)('refuses to $name without ingest-api’s valid token (401 problem+json)', async ({ method, path, body }) => {
    const credentials = [
      undefined,
      'Bearer not.a.token',
      await expiredServiceAuthorization('ingest-api', 'fanout'),
      await forgedServiceAuthorization('ingest-api', 'fanout'),
      await serviceAuthorization('ingest-api', 'storage'),
      await serviceAuthorization('encoder', 'fanout'),
    ];
    for (const authorization of credentials) {
      const response = await fetch(`${base}${path()}`, {
        method,
        headers: { 'x-tenant': 'acme', ...(body ? { 'content-type': 'application/json' } : {}), ...(authorization ? { authorization } : {}) },
        body,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'invalid_service_token' });
    }
    const still = await fetch(`${base}/internal/webhooks/${webhookId}`, { headers: { authorization: await gateway(), 'x-tenant': 'acme' } });
    expect(still.status).toBe(200);
  });

  it('shows a tenant only its own subscriptions', async () => {
    const other = await fetch(`${base}/internal/webhooks/${webhookId}`, { headers: { authorization: await gateway(), 'x-tenant': 'globex' } });
    expect(other.status).toBe(404);
    const list = await fetch(`${base}/internal/webhooks`, { headers: { authorization: await gateway(), 'x-tenant': 'globex' } });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('keeps probes and metrics open', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) expect((await fetch(`${base}${path}`)).status).toBe(200);
  });
});
