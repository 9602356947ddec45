import { cpuSeconds, machineCpuSeconds } from './proc-usage.util';

/** CPU used by each process over one measured interval, and by the machine as a whole. */
export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds per process name; `bench` is this process (client and baseline driver). */
  cpuSeconds: Record<string, number>;
  /** Busy CPU seconds of the whole machine over the interval divided by its length (at most the core count). */
  machineBusyCores: number;
  /** CPU seconds of every process not listed (the machine's busy time less ours): someone else's load. */
  otherSeconds: number;
}

function snapshot(pids: Record<string, number>): { at: number; cpu: Record<string, number>; machineBusy: number } {
  const cpu: Record<string, number> = {};
  const self = process.cpuUsage();
  cpu['bench'] = (self.user + self.system) / 1e6;
  for (const [name, pid] of Object.entries(pids)) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) cpu[name] = seconds;
  }
  return { at: performance.now(), cpu, machineBusy: machineCpuSeconds().busy };
}

/** Starts measuring; the returned function ends the interval and answers what it used. */
export function startCpuMeter(pids: Record<string, number>): () => CpuUse {
  const before = snapshot(pids);
  return () => {
    const after = snapshot(pids);
    const wallSeconds = (after.at - before.at) / 1000;
    const used: Record<string, number> = {};
    for (const [name, seconds] of Object.entries(after.cpu)) {
      const start = before.cpu[name];
      if (start !== undefined) used[name] = seconds - start;
    }
    const ours = Object.values(used).reduce((sum, seconds) => sum + seconds, 0);
    const machineBusy = after.machineBusy - before.machineBusy;
    return { wallSeconds, cpuSeconds: used, machineBusyCores: machineBusy / wallSeconds, otherSeconds: Math.max(0, machineBusy - ours) };
  };
}

/** Several intervals of one kind (say every baseline run) added up, so their averages can be compared. */
export function addCpuUse(total: CpuUse | undefined, next: CpuUse): CpuUse {
  if (!total) return { ...next, cpuSeconds: { ...next.cpuSeconds } };
  const wallSeconds = total.wallSeconds + next.wallSeconds;
  const cpu: Record<string, number> = { ...total.cpuSeconds };
  for (const [name, seconds] of Object.entries(next.cpuSeconds)) cpu[name] = (cpu[name] ?? 0) + seconds;
  const machineBusyCores = (total.machineBusyCores * total.wallSeconds + next.machineBusyCores * next.wallSeconds) / wallSeconds;
  return { wallSeconds, cpuSeconds: cpu, machineBusyCores, otherSeconds: total.otherSeconds + next.otherSeconds };
}
