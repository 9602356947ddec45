import { dueAt, emptyHead, inFlight, leased, nextAction, offer, refilled, settled } from './endpoint-head';

const at = (seconds: number) => new Date(seconds * 1000);

describe('endpoint head', () => {
  it('lists deliveries while there is room and is due at the earliest', () => {
    const head = offer(offer(emptyHead(), 'b', at(20), 2), 'a', at(10), 2);
    expect(head.entries.map((entry) => entry.id)).toEqual(['b', 'a']);
    expect(dueAt(head)).toEqual(at(10));
    expect(nextAction(head, at(15))).toEqual({ kind: 'claim', id: 'a' });
    expect(nextAction(head, at(5))).toEqual({ kind: 'none' });
  });

  it('keeps a full window to the earliest-due and points past it at the rest', () => {
    const full = offer(offer(emptyHead(), 'a', at(10), 2), 'b', at(30), 2);
    const later = offer(full, 'c', at(40), 2);
    expect(later.entries.map((entry) => entry.id)).toEqual(['a', 'b']);
    expect(later.overflow_due).toEqual(at(40));
    const earlier = offer(later, 'd', at(20), 2);
    // 'b' (due at 30) leaves the window for 'd'; the overflow now starts at 30.
    expect(earlier.entries.map((entry) => entry.id).sort()).toEqual(['a', 'd']);
    expect(earlier.overflow_due).toEqual(at(30));
  });

  it('never evicts a leased entry, and counts leased entries as in flight', () => {
    const head = leased(leased(offer(offer(emptyHead(), 'a', at(50), 2), 'b', at(60), 2), 'a', at(100)), 'b', at(100));
    expect(inFlight(head)).toBe(2);
    const offered = offer(head, 'c', at(1), 2);
    expect(offered.entries.map((entry) => entry.id).sort()).toEqual(['a', 'b']);
    expect(offered.overflow_due).toEqual(at(1));
  });

  it('asks for a refill once the overflow is due and no listed delivery is', () => {
    const head = { entries: [{ id: 'a', due: at(100), leased: false }], overflow_due: at(10) };
    expect(nextAction(head, at(5))).toEqual({ kind: 'none' });
    expect(nextAction(head, at(10))).toEqual({ kind: 'refill' });
    expect(nextAction({ ...head, entries: [{ id: 'a', due: at(8), leased: false }] }, at(10))).toEqual({ kind: 'claim', id: 'a' });
  });

  it('takes a lease that runs out back as due (a replica that crashed mid-attempt)', () => {
    const head = leased(offer(emptyHead(), 'a', at(10)), 'a', at(70));
    expect(nextAction(head, at(69))).toEqual({ kind: 'none' });
    expect(nextAction(head, at(70))).toEqual({ kind: 'claim', id: 'a' });
  });

  it('drops a finished delivery and reschedules a retried one unleased', () => {
    const head = leased(offer(offer(emptyHead(), 'a', at(10)), 'b', at(10)), 'a', at(70));
    expect(settled(head, 'a', null).entries.map((entry) => entry.id)).toEqual(['b']);
    const retried = settled(head, 'a', at(40));
    expect(retried.entries.find((entry) => entry.id === 'a')).toEqual({ id: 'a', due: at(40), leased: false });
    expect(inFlight(retried)).toBe(0);
  });

  it('refills from the deliveries, keeping leased entries and pointing past the window', () => {
    const head = { entries: [{ id: 'x', due: at(99), leased: true }, { id: 'gone', due: at(1), leased: false }], overflow_due: at(5) };
    const found = [
      { id: 'c', due: at(30) },
      { id: 'a', due: at(10) },
      { id: 'b', due: at(20) },
    ];
    const result = refilled(head, found, 3);
    expect(result.entries.map((entry) => entry.id)).toEqual(['x', 'a', 'b']);
    expect(result.overflow_due).toEqual(at(30));
    expect(refilled(head, found.slice(1), 3).overflow_due).toBeNull();
  });
});
