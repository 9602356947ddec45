/** One bucket's shape: it holds at most `burst` tokens and gains `perSecond` of them each second. */
export interface BucketPolicy {
  /** The name in `RateLimit-Policy` / `RateLimit` (a route class: reads, writes, upload_bytes). */
  name: string;
  burst: number;
  perSecond: number;
}

/** What is stored per tenant and policy: the level at a moment; everything else follows from the clock. */
export interface BucketState {
  tokens: number;
  at: number;
}

export type TakeDecision =
  | { allowed: true; next: BucketState; remaining: number }
  | { allowed: false; remaining: number; retryAfterSeconds: number };

/** The level at `now`: what was there plus what trickled in since, never above the burst. */
export function levelAt(policy: BucketPolicy, state: BucketState | null, now: number): number {
  if (!state) return policy.burst;
  const elapsed = Math.max(0, now - state.at) / 1000;
  return Math.min(policy.burst, state.tokens + elapsed * policy.perSecond);
}

/**
 * Takes `cost` tokens, or says how long until they are there. A cost above the burst is capped at the
 * burst, so one large upload passes on a full bucket instead of never passing at all (and empties it).
 */
export function take(policy: BucketPolicy, state: BucketState | null, cost: number, now: number): TakeDecision {
  const level = levelAt(policy, state, now);
  const needed = Math.min(Math.max(0, cost), policy.burst);
  if (level >= needed) {
    const tokens = level - needed;
    return { allowed: true, next: { tokens, at: now }, remaining: Math.floor(tokens) };
  }
  return { allowed: false, remaining: Math.floor(level), retryAfterSeconds: Math.max(1, Math.ceil((needed - level) / policy.perSecond)) };
}

/**
 * Several takes at one instant, in order, as if made one after another: each sees what the ones before it
 * left. `next` is the level to store, or null when every take was refused (a refusal writes nothing).
 */
export function takeAll(policy: BucketPolicy, state: BucketState | null, costs: readonly number[], now: number): { decisions: TakeDecision[]; next: BucketState | null } {
  let current = state;
  let next: BucketState | null = null;
  const decisions = costs.map((cost) => {
    const decision = take(policy, current, cost, now);
    if (decision.allowed) current = next = decision.next;
    return decision;
  });
  return { decisions, next };
}

/** Seconds until the bucket is full again (the draft's `t`: when the whole quota is available). */
export function secondsToFull(policy: BucketPolicy, remaining: number): number {
  return Math.max(0, Math.ceil((policy.burst - remaining) / policy.perSecond));
}

/**
 * The IETF httpapi rate-limit headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` names each
 * policy with its quota `q` and window `w` (seconds to refill an empty bucket); `RateLimit` gives what is
 * left `r` and seconds `t` until the quota is whole again. Structured-field lists, one item per policy.
 */
export function rateLimitHeaders(states: readonly { policy: BucketPolicy; remaining: number }[]): { 'RateLimit-Policy': string; RateLimit: string } {
  return {
    'RateLimit-Policy': states.map(({ policy }) => `"${policy.name}";q=${policy.burst};w=${Math.max(1, Math.ceil(policy.burst / policy.perSecond))}`).join(', '),
    RateLimit: states.map(({ policy, remaining }) => `"${policy.name}";r=${Math.max(0, remaining)};t=${secondsToFull(policy, remaining)}`).join(', '),
  };
}
