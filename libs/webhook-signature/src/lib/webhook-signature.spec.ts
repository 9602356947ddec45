import { generateWebhookSecret, signWebhook, verifyWebhook } from './webhook-signature';

describe('webhook signatures (Standard Webhooks)', () => {
  const secret = generateWebhookSecret(Buffer.alloc(24, 7));
  const content = { id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', timestamp: 1_700_000_000, body: '{"test": 2432232314}' };
  const headers = (signature: string) => ({ id: content.id, timestamp: String(content.timestamp), signature });
  const at = { now: content.timestamp };

  it('formats secrets as whsec_ + base64 of at least 24 random bytes', () => {
    const fresh = generateWebhookSecret();
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(fresh.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(generateWebhookSecret()).not.toBe(fresh);
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the standard-webhooks spec repository's test vectors.
    const reference = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const vector = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1_614_265_330, body: '{"test": 2432232314}' };
    expect(signWebhook(vector, reference)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies its own signature, also among several', () => {
    const signature = signWebhook(content, secret);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook(headers(signature), content.body, secret, at)).toBe(true);
    expect(verifyWebhook(headers(`v1,bm90IGl0 ${signature}`), content.body, secret, at)).toBe(true);
  });

  it.each([
    ['a tampered id', { ...headers(signWebhook(content, secret)), id: 'msg_other' }, content.body, secret],
    ['a tampered timestamp', { ...headers(signWebhook(content, secret)), timestamp: String(content.timestamp + 1) }, content.body, secret],
    ['a tampered body', headers(signWebhook(content, secret)), '{"test": 2432232315}', secret],
    ['another secret', headers(signWebhook(content, secret)), content.body, generateWebhookSecret(Buffer.alloc(24, 8))],
    ['another version', headers(signWebhook(content, secret).replace('v1,', 'v2,')), content.body, secret],
    ['a malformed timestamp', { ...headers(signWebhook(content, secret)), timestamp: '17e8' }, content.body, secret],
  ])('refuses %s', (_, given, body, key) => {
    expect(verifyWebhook(given, body, key, at)).toBe(false);
  });

  it('refuses a timestamp outside the tolerance (replay)', () => {
    const signature = signWebhook(content, secret);
    expect(verifyWebhook(headers(signature), content.body, secret, { now: content.timestamp + 301 })).toBe(false);
    expect(verifyWebhook(headers(signature), content.body, secret, { now: content.timestamp + 299 })).toBe(true);
  });

  it('refuses to sign with a secret that is not whsec_ or too short', () => {
    expect(() => signWebhook(content, 'plain')).toThrow(/whsec_/);
    expect(() => signWebhook(content, `whsec_${Buffer.alloc(8).toString('base64')}`)).toThrow(/24 bytes/);
  });
});
