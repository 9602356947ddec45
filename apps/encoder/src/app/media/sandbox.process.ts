import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { type ChildLimits, type ChildOutcome, type RejectionRule, rejectionFor, sandboxCommand } from './sandbox-policy';

export interface SandboxOptions {
  /** Name used in rejection messages, e.g. `ffmpeg`. */
  tool: string;
  command: string;
  args: readonly string[];
  /** Working directory: the job's output directory, so stray files (x264 logs, ...) land there. */
  cwd: string;
  limits: ChildLimits;
  /** Epoch milliseconds: the process group is killed at this instant (the job's wall-clock bound). */
  deadline: number;
  signal?: AbortSignal;
  rules: readonly RejectionRule[];
  /** Streamed stdout (e.g. PCM for the waveform); without it stdout is collected, up to a bound. */
  onStdout?: (chunk: Buffer) => void;
  /** Keep stdin open for a conversation with the child (the photo worker). */
  interactive?: boolean;
}

export interface SandboxedChild {
  /** Present when `interactive`. */
  stdin: Writable | null;
  /** How a successful child ended; rejects with MediaRejectedError or the abort reason. */
  done: Promise<ChildResult>;
}

export interface ChildResult {
  /** Collected stdout (empty when streamed to `onStdout`). */
  stdout: string;
  /** Warnings a successful tool printed, e.g. ffprobe refusing a frame size (for logs and hints). */
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 16 * 1024;
const MAX_COLLECTED_STDOUT = 8 * 1024 * 1024;

/**
 * Runs one untrusted-input tool under prlimit in its own process group (detached), with a minimal
 * environment, and kills the whole group (SIGKILL to -pid) at the deadline, on abort, and after it
 * ends (no stray grandchildren). A failure becomes a MediaRejectedError with a reason.
 */
export function runSandboxed(options: SandboxOptions): SandboxedChild {
  const { tool, command, args, cwd, limits, deadline, signal, rules, onStdout, interactive = false } = options;
  if (signal?.aborted) return { stdin: null, done: Promise.reject(abortReason(signal)) };
  if (Date.now() >= deadline) {
    const outcome: ChildOutcome = { exitCode: null, signal: null, stderrTail: '', hitDeadline: true };
    return { stdin: null, done: Promise.reject(rejectionFor(tool, outcome, rules)) };
  }

  const sandboxed = sandboxCommand(command, args, limits);
  const child = spawn(sandboxed.command, sandboxed.args, {
    cwd,
    // A process group of its own (Node's detached = setsid) so one kill reaches every descendant. Where the
    // kernel's autogroup scheduling applies (a root-cgroup host, not a container), the new session is also
    // its own scheduling group: concurrent jobs share the CPU fairly, whatever their thread counts.
    detached: true,
    stdio: [interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // Nothing of the service's environment (secrets, proxies, NODE_OPTIONS) reaches the tool.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, LC_ALL: 'C', MALLOC_ARENA_MAX: '2' },
  });

  const done = new Promise<ChildResult>((resolve, reject) => {
    let stderrTail = '';
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let hitDeadline = false;
    let aborted = false;
    let overflow = false;

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const timer = setTimeout(() => {
      hitDeadline = true;
      killGroup();
    }, deadline - Date.now());
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (onStdout) return onStdout(chunk);
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_COLLECTED_STDOUT) {
        overflow = true;
        killGroup();
        return;
      }
      stdout.push(chunk);
    });
    child.stdin?.on('error', () => {
      // EPIPE when the child died first: its exit explains why.
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // ENOENT and friends: the machine is broken, not the file, so not a MediaRejectedError.
      reject(new Error(`could not start ${tool}: ${error.message}`));
    });
    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      killGroup();
      if (aborted && signal) return reject(abortReason(signal));
      if (exitCode === 0 && !hitDeadline && !overflow) return resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderrTail });
      // prlimit could not exec the tool (not installed): the machine is broken, not the file.
      if (exitCode === 127 && /(prlimit|setpriv|unshare): failed to execute/.test(stderrTail)) return reject(new Error(`could not start ${tool}: ${stderrTail.trim()}`));
      // The sandbox itself could not be set up (no privilege for a namespace or a user switch): ours too.
      if (exitCode !== 0 && /^(unshare|setpriv): /m.test(stderrTail)) return reject(new Error(`could not sandbox ${tool}: ${stderrTail.trim()}`));
      if (overflow) stderrTail += `\n${tool} wrote more than ${MAX_COLLECTED_STDOUT} bytes to stdout`;
      reject(rejectionFor(tool, { exitCode, signal: exitSignal, stderrTail, hitDeadline }, rules));
    });
  });
  return { stdin: child.stdin, done };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}
