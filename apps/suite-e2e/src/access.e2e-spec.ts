import { SignJWT } from 'jose';
import { e2eContext, tokenFor } from '@media/testing';
import type { Scope } from '@media/scopes';

const { gateway } = e2eContext();
const ANY_ID = '00000000-0000-4000-8000-000000000000';

interface Problem {
  status: number;
  code: string;
  scope?: string;
}

async function call(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { response, body: text ? (JSON.parse(text) as Problem & Record<string, unknown>) : undefined };
}

/** Every guarded route with the one scope it needs. */
const ROUTES: { method: string; path: string; scope: Scope; body?: unknown }[] = [
  { method: 'POST', path: '/assets', scope: 'assets_publish', body: { upload_phase: 'start', file_size: 10 } },
  { method: 'GET', path: '/assets', scope: 'assets' },
  { method: 'GET', path: `/assets/${ANY_ID}`, scope: 'assets' },
  { method: 'PUT', path: `/assets/${ANY_ID}`, scope: 'assets_publish', body: { name: 'x' } },
  { method: 'DELETE', path: `/assets/${ANY_ID}`, scope: 'assets_delete' },
  { method: 'POST', path: `/assets/${ANY_ID}/multipart`, scope: 'assets_publish', body: { upload_phase: 'finish' } },
  { method: 'GET', path: `/assets/${ANY_ID}/multipart`, scope: 'assets_publish' },
];
const SCOPES: Scope[] = ['assets', 'assets_publish', 'assets_delete', 'webhooks'];

describe('tokens', () => {
  const secret = () => new TextEncoder().encode(e2eContext().jwtSecret);

  it.each([
    ['no token', async () => undefined],
    ['a malformed token', async () => 'not-a-jwt'],
    ['an expired token', async () => new SignJWT({ tenant: 'acme', scope: 'assets' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('-1m').sign(secret())],
    ['a badly signed token', async () => new SignJWT({ tenant: 'acme', scope: 'assets' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('5m').sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'))],
    ['a token without tenant', async () => new SignJWT({ scope: 'assets' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('5m').sign(secret())],
  ])('%s → 401 invalid_token with a Bearer challenge', async (_, mint) => {
    const { response, body } = await call('GET', '/assets', await mint());
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect(body?.code).toBe('invalid_token');
  });
});

describe('the scope × route matrix', () => {
  const cases = ROUTES.flatMap((route) => SCOPES.map((granted) => ({ ...route, granted, allowed: granted === route.scope })));

  it.each(cases)('$method $path with only "$granted" → $allowed', async ({ method, path, body, granted, allowed, scope }) => {
    const { response, body: answer } = await call(method, path, await tokenFor('matrix', [granted]), body);
    if (allowed) {
      expect([200, 201, 204, 404, 409]).toContain(response.status);
    } else {
      expect(response.status).toBe(403);
      expect(answer).toMatchObject({ code: 'insufficient_scope', scope });
      expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="media-assets", error="insufficient_scope", scope="${scope}"`);
    }
  });
});

describe('tenants never see each other', () => {
  it("answers another tenant's asset exactly like a missing one, everywhere", async () => {
    const acme = await tokenFor('acme');
    const globex = await tokenFor('globex');
    const created = await call('POST', '/assets', acme, { upload_phase: 'start', file_size: 100, name: 'secret plans' });
    expect(created.response.status).toBe(201);
    const id = String(created.body?.['id']);

    for (const [method, path, body] of [
      ['GET', `/assets/${id}`],
      ['PUT', `/assets/${id}`, { name: 'stolen' }],
      ['DELETE', `/assets/${id}`],
      ['GET', `/assets/${id}/multipart`],
      ['POST', `/assets/${id}/multipart`, { upload_phase: 'finish' }],
    ] as [string, string, unknown?][]) {
      const theirs = await call(method, path, globex, body);
      const missing = await call(method, path.replace(id, ANY_ID), globex, body);
      expect({ path, status: theirs.response.status, code: theirs.body?.code }).toEqual({ path, status: 404, code: 'asset_not_found' });
      expect(missing.response.status).toBe(404);
    }
    const list = await call('GET', '/assets?limit=1000', globex);
    expect((list.body?.['items'] as { id: string }[]).map((item) => item.id)).not.toContain(id);
    const own = await call('GET', `/assets/${id}`, acme);
    expect(own.body).toMatchObject({ id, name: 'secret plans' });
  });
});
