import { availableParallelism, tmpdir } from 'node:os';
import { describeConfigContract, identityEnv } from '@media/testing';
import { loadEncoderConfig } from './encoder.config';

describeConfigContract('encoder', loadEncoderConfig, { STORAGE_URL: 'http://storage:3001', ...identityEnv('encoder') });

describe('encoder job settings', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/media', KAFKA_BROKERS: '127.0.0.1:9092', STORAGE_URL: 'http://storage:3001', ...identityEnv('encoder') };

  it('defaults to one worker per core, three attempts and bounded jobs', () => {
    expect(loadEncoderConfig(base)).toMatchObject({
      ENCODER_WORKERS: availableParallelism(),
      ENCODER_MAX_ATTEMPTS: 3,
      ENCODER_LEASE_SECONDS: 60,
      ENCODER_JOB_TIMEOUT_SECONDS: 900,
      ENCODER_JOB_TIMEOUT_PER_MEDIA_SECOND: 6,
      ENCODER_JOB_TIMEOUT_MAX_SECONDS: 43_200,
      ENCODER_JOB_CPU_SECONDS: 1800,
      ENCODER_JOB_MEMORY_MB: 2048,
      ENCODER_MAX_PIXELS: 100_000_000,
      ENCODER_TMP_DIR: tmpdir(),
    });
    expect(loadEncoderConfig(base).ENCODER_FAILPOINT_CRASH_ON_SHA256).toBeUndefined();
  });

  it.each([
    ['STORAGE_URL', 'ftp://storage'],
    ['ENCODER_WORKERS', '0'],
    ['ENCODER_MAX_ATTEMPTS', 'many'],
    ['ENCODER_JOB_MEMORY_MB', '-1'],
    ['ENCODER_JOB_TIMEOUT_PER_MEDIA_SECOND', '-1'],
    ['ENCODER_JOB_TIMEOUT_MAX_SECONDS', '0'],
    ['ENCODER_FAILPOINT_CRASH_ON_SHA256', 'abc'],
  ])('names %s when its value is bad', (variable, value) => {
    expect(() => loadEncoderConfig({ ...base, [variable]: value })).toThrow(new RegExp(`- ${variable}:`));
  });

  it("needs its callers' public keys: the image renderer takes only ingest-api's service token", () => {
    expect(() => loadEncoderConfig({ ...base, SERVICE_TRUSTED_KEYS: undefined })).toThrow(/- SERVICE_TRUSTED_KEYS:/);
    expect(Object.keys(loadEncoderConfig(base).SERVICE_TRUSTED_KEYS)).toEqual(['ingest-api']);
  });

  it('refuses the crash failpoint in production and takes it elsewhere', () => {
    const failpoint = { ENCODER_FAILPOINT_CRASH_ON_SHA256: 'a'.repeat(64) };
    expect(() => loadEncoderConfig({ ...base, ...failpoint, NODE_ENV: 'production' })).toThrow(/- ENCODER_FAILPOINT_CRASH_ON_SHA256: is a test-only switch/);
    expect(loadEncoderConfig({ ...base, ...failpoint, NODE_ENV: 'test' }).ENCODER_FAILPOINT_CRASH_ON_SHA256).toBe('a'.repeat(64));
  });
});
