/**
 * The pure core of an endpoint head: a small window of one endpoint's pending deliveries (their ids and
 * when each is due), so a claim reads one small document per endpoint instead of searching the delivery
 * log, which grows with every event and every attempt. The deliveries stay the truth; a head is an index
 * of them that may lag (a crash between the two writes) but never hides one for good: whatever is not in
 * the window is announced by `overflow_due`, and a refill reads it back from the deliveries.
 */

/** Deliveries of one endpoint a head lists by id; the rest wait behind `overflow_due`. */
export const HEAD_WINDOW = 16;

export interface HeadEntry {
  /** The delivery's `_id`. */
  id: string;
  /** When it is due; while leased, when the lease runs out (then another replica may take it over). */
  due: Date;
  leased: boolean;
}

export interface HeadState {
  entries: HeadEntry[];
  /**
   * Null: every pending delivery of the endpoint is in `entries`. A date: some may not be, and none of
   * those is due before it (a lower bound); once it has passed, the window is refilled from the deliveries.
   */
  overflow_due: Date | null;
}

export const emptyHead = (): HeadState => ({ entries: [], overflow_due: null });

/** When the head next has work: its earliest entry or the overflow, null when the endpoint has none. */
export function dueAt(state: HeadState): Date | null {
  return earliest([...state.entries.map((entry) => entry.due), state.overflow_due]);
}

export function inFlight(state: HeadState): number {
  return state.entries.filter((entry) => entry.leased).length;
}

/** What a claimer does with a head that is due: claim one delivery by id, refill the window, or nothing. */
export type HeadAction = { kind: 'claim'; id: string } | { kind: 'refill' } | { kind: 'none' };

export function nextAction(state: HeadState, now: Date): HeadAction {
  const due = [...state.entries].filter((entry) => entry.due.getTime() <= now.getTime()).sort(byDue)[0];
  if (due) return { kind: 'claim', id: due.id };
  if (state.overflow_due && state.overflow_due.getTime() <= now.getTime()) return { kind: 'refill' };
  return { kind: 'none' };
}

/**
 * A delivery (new, or due again) enters the head: updated in place when listed; added while there is
 * room; otherwise it takes the place of the latest-due unleased entry if it is due earlier, and whichever
 * is left out lowers `overflow_due`.
 */
export function offer(state: HeadState, id: string, due: Date, window = HEAD_WINDOW): HeadState {
  const listed = state.entries.find((entry) => entry.id === id);
  if (listed) return { ...state, entries: state.entries.map((entry) => (entry.id === id ? { id, due, leased: false } : entry)) };
  if (state.entries.length < window) return { ...state, entries: [...state.entries, { id, due, leased: false }] };
  const latest = state.entries.filter((entry) => !entry.leased).sort(byDue).at(-1);
  if (!latest || latest.due.getTime() <= due.getTime()) return overflowAt(state, due);
  return overflowAt({ ...state, entries: [...state.entries.filter((entry) => entry.id !== latest.id), { id, due, leased: false }] }, latest.due);
}

/** Some pending delivery of the endpoint, due at `due`, may not be listed. */
export function overflowAt(state: HeadState, due: Date): HeadState {
  return { ...state, overflow_due: earliest([state.overflow_due, due]) };
}

/** The delivery was claimed: its entry waits for the lease (a crash leaves it due again when the lease runs out). */
export function leased(state: HeadState, id: string, until: Date): HeadState {
  return { ...state, entries: [...state.entries.filter((entry) => entry.id !== id), { id, due: until, leased: true }] };
}

/** The delivery finished (null) or is due again at `next`. */
export function settled(state: HeadState, id: string, next: Date | null, window = HEAD_WINDOW): HeadState {
  const without = { ...state, entries: state.entries.filter((entry) => entry.id !== id) };
  return next === null ? without : offer(without, id, next, window);
}

/**
 * The window rebuilt from the deliveries: leased entries stay (their attempts are on the wire), the rest
 * is the earliest-due pending deliveries found (`found`, sorted by due, leased ones excluded, at most
 * `window - leased + 1` of them); one found beyond the window sets `overflow_due`.
 */
export function refilled(state: HeadState, found: { id: string; due: Date }[], window = HEAD_WINDOW): HeadState {
  const kept = state.entries.filter((entry) => entry.leased);
  const keptIds = new Set(kept.map((entry) => entry.id));
  const candidates = found.filter((delivery) => !keptIds.has(delivery.id)).sort(byDue);
  const room = Math.max(0, window - kept.length);
  return {
    entries: [...kept, ...candidates.slice(0, room).map(({ id, due }) => ({ id, due, leased: false }))],
    overflow_due: candidates[room]?.due ?? null,
  };
}

export function sameHead(a: HeadState, b: HeadState): boolean {
  const key = (state: HeadState) => JSON.stringify([[...state.entries].sort((x, y) => x.id.localeCompare(y.id)), state.overflow_due]);
  return key(a) === key(b);
}

function byDue(a: { due: Date }, b: { due: Date }): number {
  return a.due.getTime() - b.due.getTime();
}

function earliest(dates: (Date | null)[]): Date | null {
  return dates.reduce<Date | null>((min, date) => (date && (!min || date.getTime() < min.getTime()) ? date : min), null);
}
