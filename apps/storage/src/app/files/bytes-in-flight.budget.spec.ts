import { BytesInFlightBudget } from './bytes-in-flight.budget';

/** Resolves after pending promise callbacks have run, so a grant that was going to happen has happened. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BytesInFlightBudget', () => {
  it('grants while the bytes fit and makes the rest wait until enough is released', async () => {
    const budget = new BytesInFlightBudget(10);
    const first = await budget.acquire(4);
    await budget.acquire(6);
    let third = false;
    void budget.acquire(3).then(() => (third = true));
    await settle();
    expect(third).toBe(false);
    expect(budget.used).toBe(10);
    first();
    await settle();
    expect(third).toBe(true);
    expect(budget.used).toBe(9);
  });

  it('serves waiters in arrival order: a small request does not overtake a large one waiting', async () => {
    const budget = new BytesInFlightBudget(10);
    const held = await budget.acquire(8);
    const order: string[] = [];
    const large = budget.acquire(6).then((release) => (order.push('large'), release));
    const small = budget.acquire(1).then((release) => (order.push('small'), release));
    await settle();
    expect(order).toEqual([]);
    held();
    await large;
    await small;
    expect(order).toEqual(['large', 'small']);
  });

  it('grants a request above the whole budget alone, once nothing else is in flight', async () => {
    const budget = new BytesInFlightBudget(10);
    const held = await budget.acquire(2);
    let huge = false;
    void budget.acquire(25).then(() => (huge = true));
    await settle();
    expect(huge).toBe(false);
    held();
    await settle();
    expect(huge).toBe(true);
    expect(budget.used).toBe(25);
  });

  it('ignores a second release of the same grant', async () => {
    const budget = new BytesInFlightBudget(10);
    const release = await budget.acquire(5);
    await budget.acquire(5);
    release();
    release();
    expect(budget.used).toBe(5);
  });
});
