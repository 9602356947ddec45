import { describeConfigContract, identityEnv } from '@media/testing';
import { loadIngestApiConfig } from './ingest-api.config';

const required = {
  JWT_HS256_SECRET: 'x'.repeat(32),
  STORAGE_URL: 'http://storage:3001',
  FANOUT_URL: 'http://fanout:3003',
  IMAGING_URL: 'http://encoder:3002',
  PUBLIC_BASE_URL: 'https://media.example.com',
  ...identityEnv('ingest-api'),
};

describeConfigContract('ingest-api', loadIngestApiConfig, required, ['STORAGE_URL', 'FANOUT_URL', 'IMAGING_URL', 'PUBLIC_BASE_URL', 'SERVICE_SIGNING_KEY', 'SERVICE_TRUSTED_KEYS']);

describe('ingest-api token settings', () => {
  const base = { MONGODB_URI: 'mongodb://db/media', KAFKA_BROKERS: 'k:9092', STORAGE_URL: required.STORAGE_URL, FANOUT_URL: required.FANOUT_URL, IMAGING_URL: required.IMAGING_URL, PUBLIC_BASE_URL: required.PUBLIC_BASE_URL, ...identityEnv('ingest-api') };

  const idp = { JWT_ISSUER: 'https://idp', JWT_AUDIENCE: 'media-api' };

  it('needs exactly one key source', () => {
    expect(() => loadIngestApiConfig(base)).toThrow(/JWT_HS256_SECRET: set exactly one/);
    expect(() => loadIngestApiConfig({ ...base, JWT_HS256_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://idp/jwks' })).toThrow(/exactly one/);
    expect(loadIngestApiConfig({ ...base, ...idp, JWT_JWKS_URL: 'https://idp/jwks' }).JWT_JWKS_URL).toBe('https://idp/jwks');
  });


  it('requires issuer and audience with a JWKS', () => {
    expect(() => loadIngestApiConfig({ ...base, JWT_JWKS_URL: 'https://idp/jwks' })).toThrow(/- JWT_ISSUER: is required with JWT_JWKS_URL\n {2}- JWT_AUDIENCE: is required/);
  });

  it('takes a JWKS over https only, http only on loopback with the development switch', () => {
    expect(() => loadIngestApiConfig({ ...base, ...idp, JWT_JWKS_URL: 'http://idp/jwks' })).toThrow(/JWT_JWKS_URL: must be https/);
    expect(() => loadIngestApiConfig({ ...base, ...idp, JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks' })).toThrow(/JWT_JWKS_URL: must be https/);
    expect(() => loadIngestApiConfig({ ...base, ...idp, JWT_JWKS_URL: 'http://idp/jwks', JWT_JWKS_ALLOW_HTTP_LOOPBACK: 'true' })).toThrow(/JWT_JWKS_URL: must be https/);
    for (const url of ['http://127.0.0.1:8080/jwks', 'http://[::1]:8080/jwks', 'http://localhost/jwks']) {
      expect(loadIngestApiConfig({ ...base, ...idp, JWT_JWKS_URL: url, JWT_JWKS_ALLOW_HTTP_LOOPBACK: 'true' }).JWT_JWKS_URL).toBe(url);
    }
  });

  it('bounds token lifetimes at a day unless configured', () => {
    expect(loadIngestApiConfig({ ...base, ...required }).JWT_MAX_LIFETIME_SECONDS).toBe(86_400);
    expect(loadIngestApiConfig({ ...base, ...required, JWT_MAX_LIFETIME_SECONDS: '900' }).JWT_MAX_LIFETIME_SECONDS).toBe(900);
  });

  it('refuses the outbox failpoint in production and takes it elsewhere', () => {
    expect(() => loadIngestApiConfig({ ...base, ...required, OUTBOX_FAILPOINT: 'hang-after-publish', NODE_ENV: 'production' })).toThrow(/- OUTBOX_FAILPOINT: is a test-only switch/);
    expect(loadIngestApiConfig({ ...base, ...required, OUTBOX_FAILPOINT: 'hang-after-publish', NODE_ENV: 'test' }).OUTBOX_FAILPOINT).toBe('hang-after-publish');
  });

  it('refuses a short HS256 secret', () => {
    expect(() => loadIngestApiConfig({ ...base, JWT_HS256_SECRET: 'short' })).toThrow(/JWT_HS256_SECRET: must be at least 32/);
  });
});
