import { describeConfigContract, identityEnv } from '@media/testing';
import { loadFanoutConfig } from './fanout.config';

describeConfigContract('fanout', loadFanoutConfig, identityEnv('fanout'));

describe('fanout webhook settings', () => {
  const base = { MONGODB_URI: 'mongodb://db/fanout', KAFKA_BROKERS: 'k:9092', ...identityEnv('fanout') };

  it('defaults to retries over hours and no allow-list', () => {
    const config = loadFanoutConfig(base);
    expect(config.WEBHOOK_RETRY_SCHEDULE_SECONDS).toEqual([5, 30, 120, 600, 1800, 7200, 18000]);
    expect(config.WEBHOOK_ALLOWED_CIDRS).toEqual([]);
    expect(config.WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(config.WEBHOOK_MAX_RESPONSE_BYTES).toBe(65_536);
  });

  it('parses a schedule and an allow-list', () => {
    const config = loadFanoutConfig({ ...base, WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,2', WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32, fd00::/8' });
    expect(config.WEBHOOK_RETRY_SCHEDULE_SECONDS).toEqual([1, 2]);
    expect(config.WEBHOOK_ALLOWED_CIDRS).toEqual(['127.0.0.1/32', 'fd00::/8']);
  });

  it.each([
    ['WEBHOOK_RETRY_SCHEDULE_SECONDS', '5,soon'],
    ['WEBHOOK_ALLOWED_CIDRS', '127.0.0.1'],
    ['WEBHOOK_TIMEOUT_MS', '0'],
  ])('names %s when its value is bad', (variable, value) => {
    expect(() => loadFanoutConfig({ ...base, [variable]: value })).toThrow(new RegExp(`- ${variable}:`));
  });
});
