import { OutboxSignal } from './outbox.signal';

describe('OutboxSignal', () => {
  it('wakes a waiter at once on notify', async () => {
    const signal = new OutboxSignal();
    const started = Date.now();
    const waiting = signal.wait(10_000);
    signal.notify();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('remembers a notify that came while nobody waited', async () => {
    const signal = new OutboxSignal();
    signal.notify();
    const started = Date.now();
    await signal.wait(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('times out without a notify', async () => {
    const signal = new OutboxSignal();
    await expect(signal.wait(5)).resolves.toBeUndefined();
  });

  it('hands out the committed assets once each, in any number of notifies', () => {
    const signal = new OutboxSignal();
    signal.notify('a');
    signal.notify('b');
    signal.notify('a');
    signal.notify();
    expect(signal.takeHints().sort()).toEqual(['a', 'b']);
    expect(signal.takeHints()).toEqual([]);
  });
});
