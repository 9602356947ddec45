import { randomUUID } from 'node:crypto';
import { ASSET_REFERENCES_PATH } from '@media/internal-api';
import { publicPart } from '@media/service-identity';
import { bootService, expiredServiceAuthorization, forgedServiceAuthorization, gatewayIntegrationEnv, identityEnv, type RunningService, serviceAuthorization, testSigningKey } from '@media/testing';
import { AppModule } from './app.module';
import { loadIngestApiConfig } from './ingest-api.config';

/**
 * Ingest-api's internal trust boundary: the reference check (whose answer decides what storage's garbage
 * collector deletes) needs a service token addressed to ingest-api from storage; the public API keeps
 * customers' bearer tokens, and a service token opens none of it.
 */
describe('ingest-api internal routes: service authentication and authorisation', () => {
  let running: RunningService;
  let base: string;

  const storage = () => serviceAuthorization('storage', 'ingest-api');


  const check = (authorization?: string) =>
    fetch(`${base}${ASSET_REFERENCES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ tenant: 'acme', asset_id: randomUUID(), ids: ['665f1c0e8b3e4a0012345678'] }),
    });

  async function expectRefused(response: Response, status: number, code: string): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code });
  }

  beforeAll(async () => {
    // Production trusts only storage here. The encoder's key is added so its valid token shows the route's
    // own allow-list (403), the second line should a deployment ever trust more callers.
    const trusted = {
      storage: [publicPart(testSigningKey('storage'))],
      encoder: [publicPart(testSigningKey('encoder'))],
    };
    const env = gatewayIntegrationEnv('ingest-api-auth', {
      SERVICE_TRUSTED_KEYS: JSON.stringify(trusted),
    });
    running = await bootService(AppModule.register(loadIngestApiConfig(env)));
    base = running.baseUrl;
  });

  afterAll(async () => {
    await running?.close();
  });

  it('generates an identity in which ingest-api trusts storage alone', () => {
    expect(Object.keys(JSON.parse(identityEnv('ingest-api')['SERVICE_TRUSTED_KEYS'] as string) as object)).toEqual(['storage']);
  });

  it('is 401 invalid_service_token without a credential, with garbage, expired, forged or addressed to another service', async () => {
    const forged = await forgedServiceAuthorization('storage', 'ingest-api');
    const forFanout = await serviceAuthorization('storage', 'fanout');
    for (const authorization of [undefined, 'Bearer not.a.token', 'Basic c3RvcmFnZTpzdG9yYWdl', await expiredServiceAuthorization('storage', 'ingest-api'), forged, forFanout]) {
      const response = await check(authorization);
      await expectRefused(response, 401, 'invalid_service_token');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="internal"/);
    }
  });

  it("is 401 for a service whose key it does not trust (ingest-api's own)", async () => {
    await expectRefused(await check(await serviceAuthorization('ingest-api', 'ingest-api')), 401, 'invalid_service_token');
  });

  it('is 403 caller_not_allowed for a trusted service other than storage', async () => {
    await expectRefused(await check(await serviceAuthorization('encoder', 'ingest-api')), 403, 'caller_not_allowed');
  });

  it("answers storage's token", async () => {
    const response = await check(await storage());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ referenced: [] });
  });

  it("keeps the public API on customers' bearer tokens: a service token opens none of it", async () => {
    for (const authorization of [undefined, await storage()]) {
      const response = await fetch(`${base}/assets`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(await response.json()).not.toMatchObject({ code: 'invalid_service_token' });
    }
  });

  it('keeps probes and metrics open', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});
