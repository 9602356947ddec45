import { ShutdownState } from './shutdown.state';

describe('ShutdownState', () => {
  it('drains once and expires its grace on demand', () => {
    const state = new ShutdownState();
    expect(state.draining).toBe(false);
    state.beginDrain();
    state.beginDrain();
    expect(state.draining).toBe(true);
    expect(state.graceExpired.aborted).toBe(false);
    state.expireGrace();
    expect(state.graceExpired.aborted).toBe(true);
  });

  it('counts requests, handlers and background work, each ended once however often its end is reported', () => {
    const state = new ShutdownState();
    const request = state.requestStarted();
    const handler = state.handlerStarted();
    const work = state.workStarted();
    expect(state.inFlight).toEqual({ requests: 1, handlers: 1, work: 1 });
    request();
    request();
    expect(state.inFlight).toEqual({ requests: 0, handlers: 1, work: 1 });
    handler();
    work();
    work();
    expect(state.inFlight).toEqual({ requests: 0, handlers: 0, work: 0 });
  });
});
