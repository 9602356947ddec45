import { e2eContext } from '@media/testing';

const { gateway } = e2eContext();

describe('OpenAPI document', () => {
  it('is served at /docs/openapi.json with every public route, and a viewer at /docs', async () => {
    const response = await fetch(`${gateway}/docs/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths['/assets'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/assets/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(document.paths['/assets/{id}/multipart'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(document.paths['/cdn/{fileId}/{name}']).toBeDefined();
    const viewer = await fetch(`${gateway}/docs`);
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toContain('swagger');
  });
});
