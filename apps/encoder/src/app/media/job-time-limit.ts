/** How a job's bounds grow with the length of its media. */
export interface DurationScaling {
  /** Wall-clock seconds allowed per second of audio or video, on top of the base bound. */
  perMediaSecond: number;
  /** The most a job may ever get, whatever its file claims to last. */
  maxSeconds: number;
}

export interface TimeLimit {
  wallClockMs: number;
  /** RLIMIT_CPU per child process: grown in the same proportion as the wall clock. */
  cpuSeconds: number;
}

/**
 * The bounds of a job whose media lasts `durationSeconds` (ffprobe's reading): the base bound plus
 * `perMediaSecond` per second of media, at most `maxSeconds` and never less than the base. A fixed bound
 * either kills a long film on a small node or lets a short clip that hangs run for as long as the film
 * would. The ceiling matters because the duration is read from the file: a hostile header can claim
 * any length. No duration (unknown, zero, not a number) keeps the base bounds.
 */
export function jobTimeLimit(base: TimeLimit, scaling: DurationScaling, durationSeconds: number | null): TimeLimit {
  const baseSeconds = base.wallClockMs / 1000;
  if (durationSeconds === null || !Number.isFinite(durationSeconds) || durationSeconds <= 0) return base;
  const ceiling = Math.max(baseSeconds, scaling.maxSeconds);
  const seconds = Math.min(ceiling, baseSeconds + Math.max(0, scaling.perMediaSecond) * durationSeconds);
  const ratio = baseSeconds > 0 ? seconds / baseSeconds : 1;
  return { wallClockMs: Math.round(seconds * 1000), cpuSeconds: Math.ceil(base.cpuSeconds * ratio) };
}
