import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type INestApplication, Logger } from '@nestjs/common';
import { ShutdownState } from '../shutdown/shutdown.state';

export interface ShutdownTimings {
  /** Readiness says 503 but requests are still served, so load balancers stop routing here first. */
  delayMs: number;
  /** In-flight requests and jobs may finish within this; then they are cut off. */
  graceMs: number;
}

/** After the grace: cut requests run their cleanup, then Nest's hooks close consumers and connections. */
export const CLOSE_BUDGET_MS = 10_000;
/** Part of the close budget for the handlers of cut requests to settle before the database closes. */
const SETTLE_MS = 3_000;
const POLL_MS = 50;

/**
 * SIGTERM (or SIGINT) drains the service and exits 0: readiness turns 503, then the listener closes and
 * idle keep-alive connections with it, in-flight requests get the grace period, what is still running
 * after it is cut (as a dropped connection would be, so a chunk leaves its upload's offsets where they
 * were), and `app.close()` runs the hooks: consumers commit and leave their groups, workers hand back
 * what they hold, database and Kafka clients disconnect. If that hangs, the process exits 1 at
 * delay + grace + CLOSE_BUDGET_MS, a bound the orchestrator's kill deadline should exceed.
 */
export function exitGracefullyOnSignals(app: INestApplication, timings: ShutdownTimings, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return; // a second signal while draining changes nothing
    started = true;
    const bound = timings.delayMs + timings.graceMs + CLOSE_BUDGET_MS;
    setTimeout(() => {
      logger.error({ bound_ms: bound }, 'shutdown did not finish in time; exiting hard');
      process.exit(1);
    }, bound).unref();
    drainAndClose(app, timings, logger, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}

export async function drainAndClose(app: INestApplication, timings: ShutdownTimings, logger: Logger, signal = 'SIGTERM'): Promise<void> {
  const started = Date.now();
  const state = app.get(ShutdownState);
  const server = app.getHttpServer() as Server;
  state.beginDrain(started);
  const deadline = started + timings.delayMs + timings.graceMs;
  // Background work (webhook attempts, jobs) watches this signal; it fires at the deadline whatever HTTP does.
  const graceTimer = setTimeout(() => state.expireGrace(), deadline - started);
  logger.log({ signal, ...timings, in_flight: state.inFlight }, 'draining');

  if (timings.delayMs > 0) await sleep(timings.delayMs);
  // No new connections; idle keep-alive ones close now, busy ones once their response is out.
  server.close();
  // Background work gets the same grace as requests: a webhook attempt or a job may still finish.
  while (state.inFlight.requests + state.inFlight.handlers + state.inFlight.work > 0 && Date.now() < deadline) {
    server.closeIdleConnections();
    await sleep(POLL_MS);
  }
  const cut = state.inFlight;
  if (cut.requests + cut.handlers > 0) {
    logger.warn({ in_flight: cut, grace_ms: timings.graceMs }, 'the grace period is over; cutting the requests still running');
    server.closeAllConnections();
    const settleBy = Date.now() + SETTLE_MS;
    while (state.inFlight.handlers > 0 && Date.now() < settleBy) await sleep(POLL_MS);
  }
  clearTimeout(graceTimer);
  state.expireGrace();
  const drained = Date.now();
  await app.close();
  logger.log({ drain_ms: drained - started, close_ms: Date.now() - drained, cut: cut.requests }, 'shut down');
}
