import type { MediaJob } from './media-job';
import type { RejectionRule } from './sandbox-policy';
import { type SandboxedChild, runSandboxed } from './sandbox.process';

/** One job's bounds, shared by every child process it starts: one deadline for the whole job. */
export class JobContext {
  readonly deadline: number;

  constructor(
    readonly job: MediaJob,
    readonly signal?: AbortSignal,
    now = Date.now(),
  ) {
    this.deadline = now + job.limits.wallClockMs;
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
        cpuSeconds: this.job.limits.cpuSeconds,
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
