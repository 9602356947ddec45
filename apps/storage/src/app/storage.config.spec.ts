import { describeConfigContract, identityEnv } from '@media/testing';
import { loadStorageConfig } from './storage.config';

describeConfigContract('storage', loadStorageConfig, identityEnv('storage'));

describe('storage service identity', () => {
  const base = { MONGODB_URI: 'mongodb://db/media', KAFKA_BROKERS: 'k:9092' };

  it.each([
    ['not JSON', '{'],
    ['no caller', '{}'],
    ['an unknown service', '{"mallory":[{"kty":"OKP","crv":"Ed25519","x":"' + 'A'.repeat(43) + '","kid":"k"}]}'],
    ['a private key', JSON.stringify({ 'ingest-api': [{ kty: 'RSA', kid: 'k' }] })],
  ])('refuses trusted keys that are %s', (_, value) => {
    expect(() => loadStorageConfig({ ...base, SERVICE_TRUSTED_KEYS: value })).toThrow(/SERVICE_TRUSTED_KEYS:/);
  });
});

describe('storage in production', () => {
  const base = { MONGODB_URI: 'mongodb://db/media', KAFKA_BROKERS: 'k:9092', NODE_ENV: 'production', ...identityEnv('storage') };

  it('refuses to start without INGEST_API_URL: its garbage collector would never run', () => {
    expect(() => loadStorageConfig(base)).toThrow(/INGEST_API_URL: is required with NODE_ENV=production/);
    expect(loadStorageConfig({ ...base, INGEST_API_URL: 'http://ingest-api:3000' }).INGEST_API_URL).toBe('http://ingest-api:3000');
  });
});
