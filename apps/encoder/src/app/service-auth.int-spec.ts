import { randomUUID } from 'node:crypto';
import { ENCODER_AUDIENCE, VARIANTS_PATH } from '@media/internal-api';
import { publicPart } from '@media/service-identity';
import { bootService, expiredServiceAuthorization, forgedServiceAuthorization, identityEnv, integrationEnv, type RunningService, serviceAuthorization, testSigningKey } from '@media/testing';
import { AppModule } from './app.module';
import { loadEncoderConfig } from './encoder.config';

/**
 * The encoder's trust boundary: its image renderer (whose requests name any tenant's stored file and cost
 * CPU) takes only ingest-api's service token addressed to the encoder. Probes and metrics stay open.
 */
describe('encoder service authentication and authorisation', () => {
  let running: RunningService;
  let base: string;

  const gateway = () => serviceAuthorization('ingest-api', 'encoder');


  // Fails the renderer's own validation, so a request that passes authentication ends in 400 without
  // touching storage (which this test does not run): the status tells the guard's verdict apart.
  const render = (authorization?: string, body: unknown = { asset_id: randomUUID(), tenant: 'acme' }) =>
    fetch(`${base}${VARIANTS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  async function expectRefused(response: Response, status: number, code: string): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code });
  }

  beforeAll(async () => {
    // Production trusts only ingest-api here. Storage's key is added so its valid token shows the route's
    // own allow-list (403), the second line should a deployment ever trust more callers.
    const trusted = {
      'ingest-api': [publicPart(testSigningKey('ingest-api'))],
      storage: [publicPart(testSigningKey('storage'))],
    };
    const env = integrationEnv('encoder-auth', { ...identityEnv('encoder'), SERVICE_TRUSTED_KEYS: JSON.stringify(trusted), STORAGE_URL: 'http://127.0.0.1:9' });
    running = await bootService(AppModule.register(loadEncoderConfig(env)));
    base = running.baseUrl;
  });

  afterAll(async () => {
    await running?.close();
  });

  it('generates an identity in which the encoder trusts ingest-api alone', () => {
    expect(Object.keys(JSON.parse(identityEnv('encoder')['SERVICE_TRUSTED_KEYS'] as string) as object)).toEqual(['ingest-api']);
  });

  it('is 401 invalid_service_token without a credential, with garbage, expired, forged or addressed to another service', async () => {
    const forged = await forgedServiceAuthorization('ingest-api', ENCODER_AUDIENCE);
    const forStorage = await serviceAuthorization('ingest-api', 'storage');
    for (const authorization of [undefined, 'Bearer not.a.token', 'Basic aW5nZXN0OmFwaQ==', await expiredServiceAuthorization('ingest-api', 'encoder'), forged, forStorage]) {
      const response = await render(authorization);
      await expectRefused(response, 401, 'invalid_service_token');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="internal"/);
    }
  });

  it("is 401 for a service whose key it does not trust (the encoder's own)", async () => {
    await expectRefused(await render(await serviceAuthorization('encoder', 'encoder')), 401, 'invalid_service_token');
  });

  it('is 403 caller_not_allowed for a trusted service other than ingest-api', async () => {
    await expectRefused(await render(await serviceAuthorization('storage', 'encoder')), 403, 'caller_not_allowed');
  });

  it("takes ingest-api's token: the request reaches the renderer's own checks", async () => {
    await expectRefused(await render(await gateway()), 400, 'invalid_request');
  });

  it('keeps probes and metrics open', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});
