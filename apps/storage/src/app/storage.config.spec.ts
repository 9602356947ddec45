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
