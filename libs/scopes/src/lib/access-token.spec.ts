import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { InvalidTokenError, mintHs256Token, TokenVerifier } from './access-token';

const secret = 'a-development-secret-of-at-least-32-bytes!';
const hs256 = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant' });

describe('HS256 tokens', () => {
  it('round-trips tenant, subject and scopes', async () => {
    const token = await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets', 'assets_publish'], subject: 'jane' });
    await expect(hs256.verify(token)).resolves.toEqual({ tenant: 'acme', subject: 'jane', scopes: ['assets', 'assets_publish'] });
  });

  it.each([
    ['a wrong secret', () => mintHs256Token({ secret: `${secret}x`, tenant: 'acme', scopes: ['assets'] })],
    ['an expired token', () => mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'], ttlSeconds: -60 })],
    ['a tenant with odd characters', () => mintHs256Token({ secret, tenant: '../etc', scopes: ['assets'] })],
    ['no expiry', () => new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(new TextEncoder().encode(secret))],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s', async (_, mint) => {
    await expect(hs256.verify(await mint())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses the "none" algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ tenant: 'acme', sub: 'x', exp: 9_999_999_999 })).toString('base64url');
    await expect(hs256.verify(`${header}.${body}.`)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('JWKS tokens (an identity provider signs with ES256)', () => {
  it('accepts a token signed by a key in the set and refuses one signed by another key', async () => {
    const trusted = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'ES256' };
    const verifier = new TokenVerifier({ jwks: { keys: [jwk] }, tenantClaim: 'org', issuer: 'https://idp.example' });
    const sign = (key: Parameters<SignJWT['sign']>[0]) =>
      new SignJWT({ org: 'globex', scp: ['assets'] })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://idp.example')
        .setSubject('svc-1')
        .setExpirationTime('5m')
        .sign(key);
    await expect(verifier.verify(await sign(trusted.privateKey))).resolves.toEqual({ tenant: 'globex', subject: 'svc-1', scopes: ['assets'] });
    await expect(verifier.verify(await sign(stranger.privateKey))).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('token lifetime and subject', () => {
  const bounded = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant', maxLifetimeSeconds: 3600 });
  const key = new TextEncoder().encode(secret);
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a token within the maximum lifetime', async () => {
    await expect(bounded.verify(await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'], ttlSeconds: 3600 }))).resolves.toMatchObject({ tenant: 'acme' });
  });

  it.each([
    ['a lifetime above the maximum', () => mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'], ttlSeconds: 3601 })],
    ['no iat and an expiry too far ahead', () => new SignJWT({ tenant: 'acme', sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now() + 7200).sign(key)],
    ['a numeric sub', () => new SignJWT({ tenant: 'acme', sub: 42 as unknown as string }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key)],
    ['an object sub', () => new SignJWT({ tenant: 'acme', sub: { id: 'x' } as unknown as string }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key)],
  ])('refuses %s', async (_, mint) => {
    await expect(bounded.verify(await mint())).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('verified tokens remembered', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a repeated token with the same frozen principal', async () => {
    const verifier = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant' });
    const token = await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'] });
    const first = await verifier.verify(token);
    await expect(verifier.verify(token)).resolves.toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.scopes)).toBe(true);
  });

  it('never remembers a refusal: a token signed with another secret stays refused, a good one still passes', async () => {
    const verifier = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant' });
    const forged = await mintHs256Token({ secret: `${secret}x`, tenant: 'acme', scopes: ['assets'] });
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verifier.verify(await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'] }))).resolves.toMatchObject({ tenant: 'acme' });
  });

  it('refuses a remembered token once it has expired', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const verifier = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant', cache: { maxAgeSeconds: 3600 } });
    const token = await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'], ttlSeconds: 60 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ tenant: 'acme' });
    // Past exp and the verifier's 5 s clock tolerance: verified again, and refused.
    jest.setSystemTime(Date.now() + 70_000);
    await expect(verifier.verify(token)).rejects.toThrow(/exp/);
  });

  it('verifies a token again once the maximum age has passed (a withdrawn key stops working)', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const verifier = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant', cache: { maxAgeSeconds: 30 } });
    const token = await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'], ttlSeconds: 3600 });
    const first = await verifier.verify(token);
    jest.setSystemTime(Date.now() + 29_000);
    await expect(verifier.verify(token)).resolves.toBe(first);
    jest.setSystemTime(Date.now() + 2_000);
    const again = await verifier.verify(token);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('forgets every token on request', async () => {
    const verifier = new TokenVerifier({ hs256Secret: secret, tenantClaim: 'tenant' });
    const token = await mintHs256Token({ secret, tenant: 'acme', scopes: ['assets'] });
    const first = await verifier.verify(token);
    verifier.forgetVerifiedTokens();
    await expect(verifier.verify(token)).resolves.not.toBe(first);
  });
});
