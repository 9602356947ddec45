import { type BucketPolicy, levelAt, rateLimitHeaders, secondsToFull, take, takeAll } from './token-bucket.policy';

const reads: BucketPolicy = { name: 'reads', burst: 10, perSecond: 2 };

describe('levelAt', () => {
  it('starts full', () => {
    expect(levelAt(reads, null, 1_000)).toBe(10);
  });

  it('refills with time, never above the burst', () => {
    expect(levelAt(reads, { tokens: 0, at: 0 }, 1_500)).toBe(3);
    expect(levelAt(reads, { tokens: 4, at: 0 }, 60_000)).toBe(10);
  });

  it('does not drain when the clock goes backwards (another replica wrote a later time)', () => {
    expect(levelAt(reads, { tokens: 5, at: 2_000 }, 1_000)).toBe(5);
  });
});

describe('take', () => {
  it('takes tokens while there are enough, then refuses with the wait for the missing ones', () => {
    let state = null;
    for (let i = 0; i < 10; i += 1) {
      const decision = take(reads, state, 1, 0);
      expect(decision).toMatchObject({ allowed: true, remaining: 9 - i });
      if (decision.allowed) state = decision.next;
    }
    expect(take(reads, state, 1, 0)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    expect(take(reads, state, 5, 0)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 3 });
    expect(take(reads, state, 1, 500)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('caps a cost above the burst at the burst, so it passes on a full bucket only', () => {
    const bytes: BucketPolicy = { name: 'upload_bytes', burst: 1_000, perSecond: 100 };
    expect(take(bytes, null, 5_000, 0)).toEqual({ allowed: true, next: { tokens: 0, at: 0 }, remaining: 0 });
    expect(take(bytes, { tokens: 999, at: 0 }, 5_000, 0)).toEqual({ allowed: false, remaining: 999, retryAfterSeconds: 1 });
  });

  it('treats a cost of zero (a body-less request) as always allowed', () => {
    expect(take(reads, { tokens: 0, at: 0 }, 0, 0)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('rateLimitHeaders', () => {
  it('writes one structured-field item per policy', () => {
    const writes: BucketPolicy = { name: 'writes', burst: 100, perSecond: 10 };
    expect(rateLimitHeaders([{ policy: writes, remaining: 40 }, { policy: reads, remaining: 10 }])).toEqual({
      'RateLimit-Policy': '"writes";q=100;w=10, "reads";q=10;w=5',
      RateLimit: '"writes";r=40;t=6, "reads";r=10;t=0',
    });
  });

  it('never says a negative remainder', () => {
    expect(rateLimitHeaders([{ policy: reads, remaining: -3 }]).RateLimit).toBe('"reads";r=0;t=7');
    expect(secondsToFull(reads, 10)).toBe(0);
  });
});

describe('takeAll', () => {
  it('decides takes of one instant in order, each seeing what the earlier ones left, and stores the last level', () => {
    const { decisions, next } = takeAll(reads, { tokens: 5, at: 0 }, [2, 4, 1, 2], 0);
    expect(decisions).toEqual([
      { allowed: true, next: { tokens: 3, at: 0 }, remaining: 3 },
      { allowed: false, remaining: 3, retryAfterSeconds: 1 },
      { allowed: true, next: { tokens: 2, at: 0 }, remaining: 2 },
      { allowed: true, next: { tokens: 0, at: 0 }, remaining: 0 },
    ]);
    expect(next).toEqual({ tokens: 0, at: 0 });
  });

  it('stores nothing when every take is refused', () => {
    const { decisions, next } = takeAll(reads, { tokens: 0, at: 0 }, [1, 1], 0);
    expect(decisions.map((decision) => decision.allowed)).toEqual([false, false]);
    expect(next).toBeNull();
  });
});
