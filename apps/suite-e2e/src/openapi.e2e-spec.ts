import { readFileSync } from 'node:fs';
import path from 'node:path';
import { e2eContext, findRepoRoot, tokenFor } from '@media/testing';

const { gateway } = e2eContext();

describe('OpenAPI document', () => {
  it('is served at /docs/openapi.json as the generated docs/openapi.json, and a viewer at /docs', async () => {
    const response = await fetch(`${gateway}/docs/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document).toEqual(JSON.parse(readFileSync(path.join(findRepoRoot(), 'docs', 'openapi.json'), 'utf8')));
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths['/assets'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/assets/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(document.paths['/assets/{id}/multipart'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/cdn/{fileId}/{name}'] ?? {}).sort()).toEqual(['get', 'head']);
    const viewer = await fetch(`${gateway}/docs`);
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toContain('swagger');
  });

  it('refuses a malformed If-Match with 400 rather than treating it as another version', async () => {
    const token = await tokenFor('openapi-e2e');
    const created = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: 10 }),
    });
    const { id } = (await created.json()) as { id: string };
    const refused = await fetch(`${gateway}/assets/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, 'If-Match': 'not-an-etag' } });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'invalid_if_match' });
  });
});
