import { jobTimeLimit } from './job-time-limit';
import type { MediaJob } from './media-job';
import type { RejectionRule } from './sandbox-policy';
import { type SandboxedChild, runSandboxed } from './sandbox.process';

/** One job's bounds, shared by every child process it starts: one deadline for the whole job. */
export class JobContext {
  private readonly startedAt: number;
  private wallDeadline: number;
  private cpuSeconds: number;

  constructor(
    readonly job: MediaJob,
    readonly signal?: AbortSignal,
    now = Date.now(),
  ) {
    this.startedAt = now;
    this.wallDeadline = now + job.limits.wallClockMs;
    this.cpuSeconds = job.limits.cpuSeconds;
  }

  /** When every child process of the job is killed. */
  get deadline(): number {
    return this.wallDeadline;
  }

  /**
   * Once the media's length is known (the probe runs under the base bounds), the tools after it get the
   * bounds of that length, counted from the job's start; without a scaling policy nothing changes.
   */
  scaleToDuration(durationSeconds: number | null): void {
    const { durationScaling, wallClockMs, cpuSeconds } = this.job.limits;
    if (!durationScaling) return;
    const limit = jobTimeLimit({ wallClockMs, cpuSeconds }, durationScaling, durationSeconds);
    this.wallDeadline = this.startedAt + limit.wallClockMs;
    this.cpuSeconds = limit.cpuSeconds;
  }

  /** Starts a tool under the job's CPU and memory limits, in the output directory. */
  start(
    tool: string,
    command: string,
    args: readonly string[],
    rules: readonly RejectionRule[],
    extra: { onStdout?: (chunk: Buffer) => void; interactive?: boolean } = {},
  ): SandboxedChild {
    return runSandboxed({
      tool,
      command,
      args,
      cwd: this.job.outputDir,
      limits: {
        cpuSeconds: this.cpuSeconds,
        memoryBytes: this.job.limits.memoryBytes,
        fileBytes: this.job.limits.fileBytes,
        processes: this.job.limits.processes,
        isolation: this.job.limits.isolation,
      },
      deadline: this.deadline,
      signal: this.signal,
      rules,
      ...extra,
    });
  }

  /** Runs a tool to its end; resolves with its stdout. */
  async run(tool: string, command: string, args: readonly string[], rules: readonly RejectionRule[], onStdout?: (chunk: Buffer) => void): Promise<string> {
    return (await this.start(tool, command, args, rules, { onStdout }).done).stdout;
  }
}
