import { randomUUID } from 'node:crypto';
import { bootService, expiredServiceAuthorization, forgedServiceAuthorization, integrationEnv, type RunningService, serviceAuthorization } from '@media/testing';
import { AppModule } from './app.module';
import { loadStorageConfig } from './storage.config';

/**
 * Storage's trust boundary: every route needs a service token addressed to storage, only the callers a
 * route names get through, and a tenant reaches only its own files. Probes and metrics stay open.
 */
describe('storage service authentication and authorisation', () => {
  let running: RunningService;
  let base: string;
  const tenant = 'acme';
  const assetId = randomUUID();
  let fileId: string;

  const gateway = () => serviceAuthorization('ingest-api', 'storage');
  const encoder = () => serviceAuthorization('encoder', 'storage');


  const fileHeaders = (role: string) => ({
    'content-type': 'application/octet-stream',
    'x-asset-id': assetId,
    'x-tenant': tenant,
    'x-file-name': 'a.bin',
    'x-content-type': 'application/octet-stream',
    'x-role': role,
  });

  async function store(authorization: string, role = 'original'): Promise<Response> {
    return fetch(`${base}/files?max_bytes=100`, { method: 'POST', headers: { authorization, ...fileHeaders(role) }, body: 'ten bytes!' });
  }

  beforeAll(async () => {
    running = await bootService(AppModule.register(loadStorageConfig(integrationEnv('storage-auth'))));
    base = running.baseUrl;
    const stored = await store(await gateway());
    expect(stored.status).toBe(201);
    fileId = ((await stored.json()) as { file_id: string }).file_id;
  });

  afterAll(async () => {
    await running?.close();
  });

  type Route = { name: string; method: string; path: () => string; headers?: Record<string, string>; body?: string };
  const routes: Route[] = [
    { name: 'store a file', method: 'POST', path: () => '/files?max_bytes=100', headers: fileHeaders('original'), body: 'ten bytes!' },
    { name: 'read a file', method: 'GET', path: () => `/files/${fileId}`, headers: { 'x-tenant': tenant } },
    { name: 'read a file head', method: 'HEAD', path: () => `/files/${fileId}`, headers: { 'x-tenant': tenant } },
    { name: 'delete a file', method: 'DELETE', path: () => `/files/${fileId}`, headers: { 'x-tenant': tenant } },
    { name: 'list an asset’s files', method: 'GET', path: () => `/assets/${assetId}/files`, headers: { 'x-tenant': tenant } },
    { name: 'delete an asset’s files', method: 'DELETE', path: () => `/assets/${assetId}/files`, headers: { 'x-tenant': tenant } },
    { name: 'transfer a chunk', method: 'PUT', path: () => `/uploads/${randomUUID()}/chunks?offset=0&max_bytes=100`, headers: { 'content-type': 'application/octet-stream', 'x-asset-id': assetId, 'x-tenant': tenant }, body: 'abc' },
    { name: 'complete an upload', method: 'POST', path: () => `/uploads/${randomUUID()}/complete`, headers: { 'content-type': 'application/json' }, body: '{}' },
    { name: 'give up an upload', method: 'DELETE', path: () => `/uploads/${randomUUID()}`, headers: { 'x-asset-id': assetId, 'x-tenant': tenant } },
  ];

  const call = (route: Route, authorization?: string) =>
    fetch(`${base}${route.path()}`, { method: route.method, headers: { ...route.headers, ...(authorization ? { authorization } : {}) }, body: route.body });

  async function expectRefused(response: Response, status: number, code: string, head = false): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    // A HEAD answer carries no body to read the code from.
    if (!head) expect(await response.json()).toMatchObject({ code });
  }

  const forged = () => forgedServiceAuthorization('ingest-api', 'storage');
  const forFanout = async () => serviceAuthorization('ingest-api', 'fanout');

  describe.each(routes.map((route) => [route.name, route] as const))('%s', (_, route) => {
    it('is 401 without a credential, with garbage, expired, forged or addressed to another service', async () => {
      const head = route.method === 'HEAD';
      for (const authorization of [undefined, 'Bearer not.a.token', await expiredServiceAuthorization('ingest-api', 'storage'), await forged(), await forFanout()]) {
        await expectRefused(await call(route, authorization), 401, 'invalid_service_token', head);
      }
    });
  });

  it.each([
    ['delete a file', 'DELETE', () => `/files/${fileId}`],
    ['delete an asset’s files', 'DELETE', () => `/assets/${assetId}/files`],
    ['transfer a chunk', 'PUT', () => `/uploads/${randomUUID()}/chunks?offset=0&max_bytes=100`],
    ['complete an upload', 'POST', () => `/uploads/${randomUUID()}/complete`],
    ['give up an upload that is not a variant', 'DELETE', () => `/uploads/${randomUUID()}`],
  ])('refuses the encoder to %s (403 caller_not_allowed)', async (_, method, path) => {
    const response = await fetch(`${base}${path()}`, { method, headers: { authorization: await encoder(), 'x-tenant': tenant, 'x-asset-id': assetId, 'content-type': 'application/octet-stream' }, body: method === 'DELETE' ? undefined : 'abc' });
    await expectRefused(response, 403, 'caller_not_allowed');
    expect((await fetch(`${base}/files/${fileId}`, { method: 'HEAD', headers: { authorization: await gateway(), 'x-tenant': tenant } })).status).toBe(200);
  });

  it('lets the encoder find and read originals and store renditions, but not originals', async () => {
    const listed = await fetch(`${base}/assets/${assetId}/files?role=original`, { headers: { authorization: await encoder(), 'x-tenant': tenant } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: { file_id: string }[] }).items.map((item) => item.file_id)).toContain(fileId);
    const read = await fetch(`${base}/files/${fileId}`, { headers: { authorization: await encoder(), 'x-tenant': tenant } });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('ten bytes!');
    expect((await store(await encoder(), 'poster')).status).toBe(201);
    await expectRefused(await store(await encoder(), 'original'), 403, 'caller_not_allowed');
  });

  it('reaches only the named tenant’s files, and needs the tenant', async () => {
    for (const caller of [gateway, encoder]) {
      const other = await fetch(`${base}/files/${fileId}`, { headers: { authorization: await caller(), 'x-tenant': 'globex' } });
      await expectRefused(other, 404, 'file_not_found');
      const none = await fetch(`${base}/files/${fileId}`, { headers: { authorization: await caller() } });
      await expectRefused(none, 400, 'invalid_request');
      const listed = await fetch(`${base}/assets/${assetId}/files`, { headers: { authorization: await caller(), 'x-tenant': 'globex' } });
      expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
    }
    expect((await fetch(`${base}/files/${fileId}`, { method: 'DELETE', headers: { authorization: await gateway(), 'x-tenant': 'globex' } })).status).toBe(204);
    expect((await fetch(`${base}/files/${fileId}`, { method: 'HEAD', headers: { authorization: await gateway(), 'x-tenant': tenant } })).status).toBe(200);
  });

  it('keeps probes and metrics open', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});
