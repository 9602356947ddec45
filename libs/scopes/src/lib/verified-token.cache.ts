/**
 * Tokens already verified, keyed by the whole token string, so a client that sends the same bearer token
 * on every request pays for its signature check once per `maxAgeMs` instead of on every request.
 *
 * Only a successful verification is remembered (a refusal is decided again every time), and an entry is
 * never trusted past the earliest of:
 * - the token's own `exp` (an expired token is verified again, and refused by the verifier);
 * - `maxAgeMs` after it was verified: a key withdrawn from an identity provider's JWKS (rotation after a
 *   leak) stops being honoured at most this long after the verifier itself would refuse it; the verifier
 *   keeps a fetched JWKS for minutes anyway, so a short bound here adds little to that window;
 * - `clear()`, for whoever rotates keys in process.
 *
 * Bounded by `maxEntries`: when full, the entry stored longest ago goes first (a Map keeps insertion
 * order). Pure: the clock is passed in.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly limits: { maxEntries: number; maxAgeMs: number }) {
    if (!(limits.maxEntries >= 0) || !(limits.maxAgeMs >= 0)) throw new Error('VerifiedTokenCache needs non-negative limits');
  }

  /** The value verified for `token`, while it may still be trusted at `nowMs`. */
  get(token: string, nowMs: number): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (nowMs >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers a successful verification at `nowMs` of a token that expires at `expiresAtMs`. */
  set(token: string, value: T, nowMs: number, expiresAtMs: number): void {
    const until = Math.min(expiresAtMs, nowMs + this.limits.maxAgeMs);
    if (until <= nowMs || this.limits.maxEntries === 0) return;
    // Re-inserted at the end, so a refreshed token is the last to be evicted.
    this.entries.delete(token);
    while (this.entries.size >= this.limits.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, until });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
