import { importJWK, SignJWT } from 'jose';
import { generateServiceKey, type PrivateServiceKey, publicPart, serviceIdentityEnv, trustedKeysSchema } from './service-key';
import { InvalidServiceTokenError, ServiceTokenIssuer, ServiceTokenVerifier } from './service-token';

const ingest = generateServiceKey('ingest-api');
const encoder = generateServiceKey('encoder');
const storage = new ServiceTokenVerifier('storage', { 'ingest-api': [publicPart(ingest)], encoder: [publicPart(encoder)] });

async function forge(key: PrivateServiceKey, claims: { iss: string; sub?: unknown; aud: string; iat: number; exp: number }): Promise<string> {
  return new SignJWT(claims.sub === undefined ? {} : { sub: claims.sub as string })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(await importJWK(key, 'EdDSA'));
}
const now = () => Math.floor(Date.now() / 1000);

describe('service tokens', () => {
  it('names the caller to the callee it is addressed to', async () => {
    const token = await new ServiceTokenIssuer('encoder', encoder).tokenFor('storage');
    await expect(storage.verify(token)).resolves.toBe('encoder');
  });

  it('reuses a token within its half-life instead of signing per request', async () => {
    const issuer = new ServiceTokenIssuer('ingest-api', ingest);
    expect(await issuer.tokenFor('storage')).toBe(await issuer.tokenFor('storage'));
    expect(await issuer.tokenFor('storage')).not.toBe(await issuer.tokenFor('fanout'));
  });

  it('refuses a token addressed to another service', async () => {
    const token = await new ServiceTokenIssuer('ingest-api', ingest).tokenFor('fanout');
    await expect(storage.verify(token)).rejects.toThrow(/aud/);
  });

  it('refuses a key presented under another service\'s name', async () => {
    const token = await forge(encoder, { iss: 'ingest-api', sub: 'ingest-api', aud: 'storage', iat: now(), exp: now() + 60 });
    await expect(storage.verify(token)).rejects.toThrow(InvalidServiceTokenError);
  });

  it('refuses an expired token', async () => {
    const token = await forge(ingest, { iss: 'ingest-api', sub: 'ingest-api', aud: 'storage', iat: now() - 120, exp: now() - 60 });
    await expect(storage.verify(token)).rejects.toThrow(/exp/);
  });

  it('refuses a token living longer than the maximum, however it was signed', async () => {
    const token = await forge(ingest, { iss: 'ingest-api', sub: 'ingest-api', aud: 'storage', iat: now(), exp: now() + 3600 });
    await expect(storage.verify(token)).rejects.toThrow(/longer than 300/);
  });

  it('refuses a subject other than the issuer, unknown keys and garbage', async () => {
    await expect(storage.verify(await forge(ingest, { iss: 'ingest-api', sub: 'encoder', aud: 'storage', iat: now(), exp: now() + 60 }))).rejects.toThrow(/sub/);
    await expect(storage.verify(await forge(generateServiceKey('ingest-api'), { iss: 'ingest-api', sub: 'ingest-api', aud: 'storage', iat: now(), exp: now() + 60 }))).rejects.toThrow(/key id/);
    await expect(storage.verify(await forge(ingest, { iss: 'someone', sub: 'someone', aud: 'storage', iat: now(), exp: now() + 60 }))).rejects.toThrow(/issuer/);
    await expect(storage.verify('not.a.jwt')).rejects.toThrow(InvalidServiceTokenError);
  });

  it('rotates without downtime: old and new keys verify while both are listed', async () => {
    const next = generateServiceKey('ingest-api');
    const during = new ServiceTokenVerifier('storage', { 'ingest-api': [publicPart(ingest), publicPart(next)] });
    await expect(during.verify(await new ServiceTokenIssuer('ingest-api', ingest).tokenFor('storage'))).resolves.toBe('ingest-api');
    await expect(during.verify(await new ServiceTokenIssuer('ingest-api', next).tokenFor('storage'))).resolves.toBe('ingest-api');
    const after = new ServiceTokenVerifier('storage', { 'ingest-api': [publicPart(next)] });
    await expect(after.verify(await new ServiceTokenIssuer('ingest-api', ingest).tokenFor('storage'))).rejects.toThrow(/key id/);
  });

  it('gives each service exactly the keys of its flows', () => {
    const env = serviceIdentityEnv();
    expect(Object.keys(trustedKeysSchema.parse(JSON.parse(env.storage['SERVICE_TRUSTED_KEYS'] as string))).sort()).toEqual(['encoder', 'ingest-api']);
    expect(Object.keys(trustedKeysSchema.parse(JSON.parse(env.fanout['SERVICE_TRUSTED_KEYS'] as string)))).toEqual(['ingest-api']);
    // ingest-api's internal routes take only storage's tokens (the garbage collector's reference check).
    expect(Object.keys(trustedKeysSchema.parse(JSON.parse(env['ingest-api']['SERVICE_TRUSTED_KEYS'] as string)))).toEqual(['storage']);
    expect(env.encoder['SERVICE_SIGNING_KEY']).toBeDefined();
    expect(env.storage['SERVICE_SIGNING_KEY']).toBeDefined();
    // The encoder's image renderer takes only ingest-api's tokens (images on demand).
    expect(Object.keys(trustedKeysSchema.parse(JSON.parse(env.encoder['SERVICE_TRUSTED_KEYS'] as string)))).toEqual(['ingest-api']);
    expect(env.fanout['SERVICE_SIGNING_KEY']).toBeUndefined();
  });
});
