import { createHash } from 'node:crypto';
import { bootService, integrationEnv, type RunningService, serviceAuthorization } from '@media/testing';
import { AppModule } from './app.module';
import { loadStorageConfig } from './storage.config';

interface Summary {
  file_id: string;
  length: number;
  sha256: string | null;
  role: string;
  file_name: string;
  content_type: string;
}

/** `GET /assets/{asset_id}/files`: how the encoder finds the original an `asset.uploaded` event names by hash. */
describe('finding an asset’s files by role and sha256', () => {
  let running: RunningService;

  beforeAll(async () => {
    running = await bootService(AppModule.register(loadStorageConfig(integrationEnv('storage-lookup'))));
  });

  afterAll(async () => {
    await running?.close();
  });

  async function store(assetId: string, tenant: string, role: string, body: string, name = 'a.bin'): Promise<string> {
    const response = await fetch(`${running.baseUrl}/files?max_bytes=1000000`, {
      method: 'POST',
      headers: { authorization: await serviceAuthorization('ingest-api', 'storage'), 'x-asset-id': assetId, 'x-tenant': tenant, 'x-file-name': name, 'x-content-type': 'application/octet-stream', 'x-role': role, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { file_id: string }).file_id;
  }

  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  async function lookup(assetId: string, query: string, tenant: string | undefined): Promise<Response> {
    return fetch(`${running.baseUrl}/assets/${assetId}/files${query}`, {
      // As the encoder looks originals up.
      headers: { authorization: await serviceAuthorization('encoder', 'storage'), ...(tenant ? { 'x-tenant': tenant } : {}) },
    });
  }

  it('answers the ids of the asset’s files that match the role and the hash, and nothing of other assets or tenants', async () => {
    const original = await store('asset-l1', 'acme', 'original', 'the original bytes', 'film.mp4');
    const replaced = await store('asset-l1', 'acme', 'original', 'a newer original');
    await store('asset-l1', 'acme', 'poster', 'the original bytes');
    await store('asset-l2', 'acme', 'original', 'the original bytes');
    await store('asset-l1', 'other', 'original', 'the original bytes');

    const response = await lookup('asset-l1', `?role=original&sha256=${sha('the original bytes')}`, 'acme');
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Summary[] };
    expect(items).toEqual([
      expect.objectContaining({ file_id: original, length: 18, sha256: sha('the original bytes'), role: 'original', file_name: 'film.mp4', content_type: 'application/octet-stream' }),
    ]);

    const all = (await (await lookup('asset-l1', '?role=original', 'acme')).json()) as { items: Summary[] };
    expect(all.items.map((item) => item.file_id)).toEqual([original, replaced]);
    const everything = (await (await lookup('asset-l1', '', 'acme')).json()) as { items: Summary[] };
    expect(everything.items).toHaveLength(3);
  });

  it('answers an empty list for an asset without such files', async () => {
    const response = await lookup('asset-none', `?role=original&sha256=${sha('x')}`, 'acme');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
  });

  it.each([
    ['no tenant', '?role=original', undefined, 'x-tenant'],
    ['an unknown role', '?role=master', 'acme', 'role'],
    ['a malformed hash', '?sha256=ABC', 'acme', 'sha256'],
    ['a repeated role', '?role=original&role=poster', 'acme', 'role'],
  ])('refuses %s with 400 invalid_request naming the field', async (_name, query, tenant, field) => {
    const response = await lookup('asset-l1', query, tenant);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: { field: string }[] };
    expect(problem.code).toBe('invalid_request');
    expect(problem.errors.map((error) => error.field)).toContain(field);
  });
});
