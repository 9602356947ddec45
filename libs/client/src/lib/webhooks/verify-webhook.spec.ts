import { generateWebhookSecret, signWebhook } from '@media/webhook-signature';
import { verifyWebhook } from './verify-webhook';

describe('verifyWebhook (receivers)', () => {
  const secret = generateWebhookSecret(new Uint8Array(32).fill(3));
  const body = '{"type":"asset.created","data":{"id":"a"}}';
  const now = 1_800_000_000;
  const signed = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook({ id: 'evt_1', timestamp: now, body }, secret) };

  it('accepts a delivery signed by the fanout, from a Headers object or a Node header record in any case', () => {
    expect(verifyWebhook(secret, new Headers(signed), body, { now })).toBe(true);
    expect(verifyWebhook(secret, signed, body, { now })).toBe(true);
    expect(verifyWebhook(secret, { 'Webhook-Id': 'evt_1', 'WEBHOOK-TIMESTAMP': String(now), 'webhook-signature': [signed['webhook-signature']] }, body, { now })).toBe(true);
    expect(verifyWebhook(secret, signed, new TextEncoder().encode(body), { now })).toBe(true);
  });

  it('refuses a changed body, another secret, missing headers and an old timestamp', () => {
    expect(verifyWebhook(secret, signed, `${body} `, { now })).toBe(false);
    expect(verifyWebhook(generateWebhookSecret(new Uint8Array(32).fill(4)), signed, body, { now })).toBe(false);
    expect(verifyWebhook(secret, { ...signed, 'webhook-id': undefined }, body, { now })).toBe(false);
    expect(verifyWebhook(secret, {}, body, { now })).toBe(false);
    expect(verifyWebhook(secret, signed, body, { now: now + 301 })).toBe(false);
    expect(verifyWebhook(secret, signed, body, { now: now + 3600, toleranceSeconds: 7200 })).toBe(true);
  });

  it('refuses rather than throws on a malformed secret', () => {
    expect(verifyWebhook('not-a-secret', signed, body, { now })).toBe(false);
  });
});
