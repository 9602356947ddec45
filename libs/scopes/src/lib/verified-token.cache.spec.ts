import { VerifiedTokenCache } from './verified-token.cache';

const t0 = 1_000_000;

describe('VerifiedTokenCache', () => {
  it('answers a stored token until the earlier of its expiry and the maximum age', () => {
    const cache = new VerifiedTokenCache<string>({ maxEntries: 10, maxAgeMs: 30_000 });
    cache.set('long-lived', 'a', t0, t0 + 3_600_000);
    cache.set('expiring', 'b', t0, t0 + 5_000);
    expect(cache.get('long-lived', t0 + 29_999)).toBe('a');
    expect(cache.get('long-lived', t0 + 30_000)).toBeUndefined();
    expect(cache.get('expiring', t0 + 4_999)).toBe('b');
    // At `exp` the token is verified again (and the verifier decides), never answered from memory.
    expect(cache.get('expiring', t0 + 5_000)).toBeUndefined();
  });

  it('does not store a token that is already expired', () => {
    const cache = new VerifiedTokenCache<string>({ maxEntries: 10, maxAgeMs: 30_000 });
    cache.set('expired', 'x', t0, t0);
    cache.set('older', 'y', t0, t0 - 1);
    expect(cache.size).toBe(0);
  });

  it('knows only exact tokens: a different string is a miss', () => {
    const cache = new VerifiedTokenCache<string>({ maxEntries: 10, maxAgeMs: 30_000 });
    cache.set('header.payload.sig', 'a', t0, t0 + 60_000);
    expect(cache.get('header.payload.sig2', t0)).toBeUndefined();
    expect(cache.get('header.payload.si', t0)).toBeUndefined();
  });

  it('holds at most maxEntries, evicting the one stored longest ago', () => {
    const cache = new VerifiedTokenCache<number>({ maxEntries: 3, maxAgeMs: 30_000 });
    for (const [i, token] of ['a', 'b', 'c'].entries()) cache.set(token, i, t0, t0 + 60_000);
    cache.set('a', 10, t0 + 1, t0 + 60_000); // refreshed: now the newest
    cache.set('d', 3, t0 + 2, t0 + 60_000);
    expect(cache.size).toBe(3);
    expect(cache.get('b', t0 + 2)).toBeUndefined();
    expect([cache.get('a', t0 + 2), cache.get('c', t0 + 2), cache.get('d', t0 + 2)]).toEqual([10, 2, 3]);
  });

  it('forgets everything on clear, and stores nothing with maxEntries 0', () => {
    const cache = new VerifiedTokenCache<string>({ maxEntries: 2, maxAgeMs: 30_000 });
    cache.set('a', 'a', t0, t0 + 60_000);
    cache.clear();
    expect(cache.get('a', t0)).toBeUndefined();
    const off = new VerifiedTokenCache<string>({ maxEntries: 0, maxAgeMs: 30_000 });
    off.set('a', 'a', t0, t0 + 60_000);
    expect(off.get('a', t0)).toBeUndefined();
  });

  it('drops an entry once it is found stale', () => {
    const cache = new VerifiedTokenCache<string>({ maxEntries: 2, maxAgeMs: 1_000 });
    cache.set('a', 'a', t0, t0 + 60_000);
    expect(cache.get('a', t0 + 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
