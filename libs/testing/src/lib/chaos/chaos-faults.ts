import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosStack } from './chaos-stack';
import type { SeededRandom } from './seeded-random';

export const FAULT_KINDS = ['kill-9', 'sigterm', 'broker-freeze', 'db-restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultLogEntry {
  at: string;
  kind: FaultKind;
  target: string;
  /** How long the target was down or frozen, once known. */
  downMs?: number;
  error?: string;
}

export interface FaultSchedulerOptions {
  stack: ChaosStack;
  random: SeededRandom;
  /** The broker's SIGSTOP/SIGCONT. */
  broker: { freeze(): void; thaw(): void };
  /** Restarts the database server on its data, or undefined when the server cannot keep its data. */
  restartDatabase?: (() => Promise<void>) | undefined;
  /** Mean pause between two faults. */
  meanGapMs: number;
  /** Relative weights of the fault kinds; the defaults favour process faults. */
  weights?: Partial<Record<FaultKind, number>> | undefined;
  stopped: () => boolean;
  log: (line: string) => void;
}

/**
 * Draws faults from the seed until stopped: a replica killed (SIGKILL) or stopped (SIGTERM) and started
 * again a moment later, the broker frozen and continued, the database restarted. Faults overlap (a restart
 * runs while the next fault is drawn), as they do in a bad hour. Resolves once everything is back up.
 */
export async function runFaults(options: FaultSchedulerOptions): Promise<FaultLogEntry[]> {
  const { stack, random } = options;
  const log: FaultLogEntry[] = [];
  const recoveries: Promise<void>[] = [];
  let brokerFrozen = false;
  let databaseDown = false;
  const weights: Record<FaultKind, number> = { 'kill-9': 4, sigterm: 3, 'broker-freeze': 1.5, 'db-restart': 1, ...options.weights };
  if (!options.restartDatabase) weights['db-restart'] = 0;
  // The first wait is short: even a short run sees faults.
  let gap = random.int(1_000, 3_000);
  // No gap means no faults: the same clients and checks on a calm system (a baseline to compare with).
  while (options.meanGapMs > 0 && !options.stopped()) {
    await sleep(gap);
    gap = random.int(options.meanGapMs / 2, (options.meanGapMs * 3) / 2);
    if (options.stopped()) break;
    const kind = random.weighted(weights);
    const entry: FaultLogEntry = { at: new Date().toISOString(), kind, target: '' };
    const began = Date.now();
    if (kind === 'kill-9' || kind === 'sigterm') {
      const up = stack.replicas.filter((replica) => !replica.down);
      if (up.length === 0) continue;
      const replica = random.pick(up);
      const pause = random.int(500, 5_000);
      entry.target = replica.name;
      log.push(entry);
      options.log(`fault: ${kind} ${replica.name}, back in ${pause} ms`);
      recoveries.push(
        (async () => {
          await stack.kill(replica, kind === 'kill-9' ? 'SIGKILL' : 'SIGTERM');
          await sleep(pause);
          await stack.restart(replica);
          entry.downMs = Date.now() - began;
        })().catch((error: unknown) => {
          entry.error = String(error);
        }),
      );
    } else if (kind === 'broker-freeze') {
      if (brokerFrozen) continue;
      brokerFrozen = true;
      const pause = random.int(2_000, 12_000);
      entry.target = 'kafka';
      log.push(entry);
      options.log(`fault: broker frozen for ${pause} ms`);
      options.broker.freeze();
      recoveries.push(
        (async () => {
          await sleep(pause);
          options.broker.thaw();
          brokerFrozen = false;
          entry.downMs = Date.now() - began;
        })(),
      );
    } else if (options.restartDatabase) {
      if (databaseDown) continue;
      databaseDown = true;
      entry.target = 'mongodb';
      log.push(entry);
      options.log('fault: database restarted');
      const restart = options.restartDatabase;
      recoveries.push(
        (async () => {
          await restart();
          databaseDown = false;
          entry.downMs = Date.now() - began;
        })().catch((error: unknown) => {
          entry.error = String(error);
        }),
      );
    }
  }
  await Promise.all(recoveries);
  // A restart that failed (say, the database was down during it) is retried now that the faults stopped.
  for (const replica of stack.replicas.filter((r) => r.down)) await stack.restart(replica);
  return log;
}
