/**
 * A small seeded generator (mulberry32): the same seed draws the same flows, sizes and faults, so a failing
 * chaos run can be replayed. Not for secrets.
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks a key with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** Deterministic bytes (the content of an upload is known from the seed alone). */
  bytes(length: number): Buffer;
  /** A generator of its own, derived from this one, for a concurrent actor whose draws must not interleave. */
  fork(): SeededRandom;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const random: SeededRandom = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from nothing');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted: (weights) => {
      const entries = Object.entries(weights) as [keyof typeof weights, number][];
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return entries[entries.length - 1]?.[0] as keyof typeof weights;
    },
    bytes: (length) => {
      const buffer = Buffer.allocUnsafe(length);
      for (let offset = 0; offset < length; offset += 4) {
        const word = Math.floor(next() * 4_294_967_296);
        for (let k = 0; k < 4 && offset + k < length; k += 1) buffer[offset + k] = (word >>> (8 * k)) & 0xff;
      }
      return buffer;
    },
    fork: () => seededRandom(Math.floor(next() * 4_294_967_296)),
  };
  return random;
}
