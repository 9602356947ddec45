import { randomUUID } from 'node:crypto';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { bootService, gatewayIntegrationEnv, INTEGRATION_JWT_SECRET, type RunningService } from '@media/testing';
import { AppModule } from './app.module';
import { loadIngestApiConfig } from './ingest-api.config';
import { RateLimitRepository } from './rate-limit/rate-limit.repository';

/** Per-tenant token buckets shared by two replicas on one database, with limits low enough to hit. */
describe('ingest-api: per-tenant rate limits', () => {
  const env = gatewayIntegrationEnv('ingest-rate-limits', {
    KAFKA_BROKERS: '127.0.0.1:9',
    // Slow refills: the test's own pace adds no token that would change what it sees.
    RATE_LIMIT_READS_BURST: '4',
    RATE_LIMIT_READS_PER_SECOND: '0.01',
    RATE_LIMIT_WRITES_BURST: '3',
    RATE_LIMIT_WRITES_PER_SECOND: '0.01',
    RATE_LIMIT_UPLOAD_BYTES_BURST: '150',
    RATE_LIMIT_UPLOAD_BYTES_PER_SECOND: '1',
  });
  const replicas: RunningService[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) replicas.push(await bootService(AppModule.register(loadIngestApiConfig(env))));
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
  });

  const tokenOf = (tenant: string) => mintHs256Token({ secret: INTEGRATION_JWT_SECRET, tenant, scopes: SCOPES, subject: 'int-spec' });
  async function call(replica: number, token: string, method: string, path: string, body?: string) {
    return fetch(`${replicas[replica]?.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    });
  }

  it('counts reads of one tenant across replicas, says so on every answer, and refuses with 429 and Retry-After', async () => {
    const token = await tokenOf(`t-${randomUUID()}`);
    const seen: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await call(i % 2, token, 'GET', '/assets');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-policy')).toBe('"reads";q=4;w=400');
      seen.push(answer.headers.get('ratelimit') ?? '');
    }
    expect(seen.map((value) => /r=(\d+)/.exec(value)?.[1])).toEqual(['3', '2', '1', '0']);

    const refused = await call(1, token, 'GET', '/assets');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit')).toMatch(/^"reads";r=0;t=\d+$/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited', policy: 'reads' });

    // Another tenant has buckets of its own; writes are another class.
    expect((await call(0, await tokenOf(`t-${randomUUID()}`), 'GET', '/assets')).status).toBe(200);
    const write = await call(0, token, 'DELETE', `/assets/${randomUUID()}`);
    expect(write.status).toBe(404);
    expect(write.headers.get('ratelimit-policy')).toBe('"writes";q=3;w=300');
    expect(write.headers.get('ratelimit')).toMatch(/^"writes";r=2;t=\d+$/);
  }, 60_000);

  it('charges request bodies to the upload-bytes bucket by Content-Length', async () => {
    const token = await tokenOf(`t-${randomUUID()}`);
    const body = JSON.stringify({ upload_phase: 'start', file_size: 10, name: 'x'.repeat(40) });
    expect(body.length).toBeGreaterThan(75);
    const first = await call(0, token, 'POST', '/assets', body);
    expect(first.status).toBe(201);
    expect(first.headers.get('ratelimit-policy')).toBe('"writes";q=3;w=300, "upload_bytes";q=150;w=150');
    const second = await call(1, token, 'POST', '/assets', body);
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ code: 'rate_limited', policy: 'upload_bytes' });
  }, 60_000);

  it('spends the whole burst on concurrent requests: none is refused for losing a race, only for the quota', async () => {
    const policy = { name: 'reads', burst: 40, perSecond: 0.01 };
    const tenant = `t-${randomUUID()}`;
    const buckets = replicas.map((replica) => replica.app.get(RateLimitRepository));
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => buckets[i % 2]?.take(tenant, policy, 1)));
    expect(decisions.filter((decision) => decision?.allowed)).toHaveLength(40);
    expect(await buckets[0]?.take(tenant, policy, 1)).toMatchObject({ allowed: false });
  }, 60_000);

  it('decides many concurrent takes of one replica together without losing or double-spending a token', async () => {
    const policy = { name: 'reads', burst: 30, perSecond: 0.01 };
    const tenant = `t-${randomUUID()}`;
    const bucket = replicas[0]?.app.get(RateLimitRepository);
    const decisions = await Promise.all(Array.from({ length: 40 }, () => bucket?.take(tenant, policy, 1)));
    const allowed = decisions.filter((decision) => decision?.allowed);
    expect(allowed).toHaveLength(30);
    // Each allowed take saw its own level: 29, 28, … 0, none twice.
    expect(new Set(allowed.map((decision) => decision?.remaining)).size).toBe(30);
    expect(decisions.slice(30).every((decision) => decision?.allowed === false)).toBe(true);
    expect(await replicas[1]?.app.get(RateLimitRepository).take(tenant, policy, 1)).toMatchObject({ allowed: false });
  }, 60_000);

  it('leaves unauthenticated answers and public routes alone', async () => {
    const anonymous = await fetch(`${replicas[0]?.baseUrl}/assets`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('ratelimit')).toBeNull();
  });
});
