import { SignJWT } from 'jose';
import { InvalidTokenError, mintHs256Token, TokenVerifier } from './access-token';
import { DirectUploadTokens, isDirectUploadToken } from './direct-upload-token';

const key = 'a-direct-upload-key-of-at-least-32-bytes';
const tokens = new DirectUploadTokens(key);
const terms = { tenant: 'acme', subject: 'backend', assetId: '5b1f6c3e-0000-4000-8000-000000000001', maxSize: 1000, allowedLabels: ['Video'], metadata: { name: 'Clip' } };

describe('direct-upload tokens', () => {
  it('round-trip the tenant, the asset and its terms, with no scope at all', async () => {
    const { token, expiresAt } = await tokens.mint({ ...terms, ttlSeconds: 60 });
    expect(isDirectUploadToken(token)).toBe(true);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    await expect(tokens.verify(token)).resolves.toEqual({
      tenant: 'acme',
      subject: 'backend',
      scopes: [],
      directUpload: { assetId: terms.assetId, maxSize: 1000, allowedLabels: ['Video'], metadata: { name: 'Clip' } },
    });
  });

  it('refuse an expired one, one signed with another key, and an API token', async () => {
    const expired = (await tokens.mint({ ...terms, ttlSeconds: -60 })).token;
    const foreign = (await new DirectUploadTokens(`${key}-other`).mint({ ...terms, ttlSeconds: 60 })).token;
    const api = await mintHs256Token({ secret: key, tenant: 'acme', scopes: ['assets_publish'] });
    expect(isDirectUploadToken(api)).toBe(false);
    for (const token of [expired, foreign, api, 'not.a.jwt']) await expect(tokens.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuse a token of the right type and key without the direct-upload audience', async () => {
    const token = await new SignJWT({ tenant: 'acme', upload_asset: terms.assetId, max_size: 1, allowed_labels: [], metadata: {} })
      .setProtectedHeader({ alg: 'HS256', typ: 'direct-upload+jwt' })
      .setSubject('x')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(key));
    await expect(tokens.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('never pass as an API token, even when an operator reuses the API secret as their key', async () => {
    const { token } = await tokens.mint({ ...terms, ttlSeconds: 60 });
    const principal = await new TokenVerifier({ hs256Secret: key, tenantClaim: 'tenant' }).verify(token);
    expect(principal.scopes).toEqual([]);
  });
});
