import { describeConfigContract } from '@media/testing';
import { loadIngestApiConfig } from './ingest-api.config';

const required = {
  JWT_HS256_SECRET: 'x'.repeat(32),
  STORAGE_URL: 'http://storage:3001',
  FANOUT_URL: 'http://fanout:3003',
  IMAGING_URL: 'http://encoder:3002',
  PUBLIC_BASE_URL: 'https://media.example.com',
};

describeConfigContract('ingest-api', loadIngestApiConfig, required, ['STORAGE_URL', 'FANOUT_URL', 'IMAGING_URL', 'PUBLIC_BASE_URL']);

describe('ingest-api token settings', () => {
  const base = { MONGODB_URI: 'mongodb://db/media', KAFKA_BROKERS: 'k:9092', STORAGE_URL: required.STORAGE_URL, FANOUT_URL: required.FANOUT_URL, IMAGING_URL: required.IMAGING_URL, PUBLIC_BASE_URL: required.PUBLIC_BASE_URL };

  it('needs exactly one key source', () => {
    expect(() => loadIngestApiConfig(base)).toThrow(/JWT_HS256_SECRET: set exactly one/);
    expect(() => loadIngestApiConfig({ ...base, JWT_HS256_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://idp/jwks' })).toThrow(/exactly one/);
    expect(loadIngestApiConfig({ ...base, JWT_JWKS_URL: 'https://idp/jwks' }).JWT_JWKS_URL).toBe('https://idp/jwks');
  });

  it('refuses a short HS256 secret', () => {
    expect(() => loadIngestApiConfig({ ...base, JWT_HS256_SECRET: 'short' })).toThrow(/JWT_HS256_SECRET: must be at least 32/);
  });
});
