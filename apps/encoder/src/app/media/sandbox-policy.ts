import { MediaRejectedError } from './media-job';

/** Pure half of the sandbox: the prlimit command line and how a failed child is explained. */

export interface ChildLimits {
  cpuSeconds: number;
  memoryBytes: number;
  /** Largest file the tool may write (RLIMIT_FSIZE): a runaway output stops instead of filling the disk. */
  fileBytes?: number;
  /** Processes and threads of the sandbox user (RLIMIT_NPROC): no fork bombs. */
  processes?: number;
  /** Run as this unprivileged user in a network namespace without interfaces (needs root to set up). */
  isolation?: SandboxIsolation;
}

export interface SandboxIsolation {
  uid: number;
  gid: number;
}

/**
 * `prlimit` (util-linux) sets the limits and then execs the tool, so the tool keeps prlimit's pid and
 * process group. RLIMIT_CPU with soft = hard: the kernel sends SIGKILL at the limit. (A lower soft limit
 * would send SIGXCPU first, which ffmpeg catches and turns into a silent exit 255, hiding the reason.)
 * RLIMIT_AS bounds the address space (malloc fails past it); no core dumps of hostile input.
 */
export function prlimitArgv(command: string, args: readonly string[], limits: ChildLimits): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  const file = limits.fileBytes === undefined ? [] : [`--fsize=${Math.floor(limits.fileBytes)}`];
  const processes = limits.processes === undefined ? [] : [`--nproc=${Math.floor(limits.processes)}`];
  return [`--cpu=${cpu}`, `--as=${Math.floor(limits.memoryBytes)}`, '--core=0', ...file, ...processes, '--', command, ...args];
}

/**
 * The whole command line of a sandboxed tool. With isolation, util-linux does it in three execs, so the
 * tool keeps the first process's pid and group: `unshare --net` (a network namespace with only a downed
 * loopback: no socket reaches anything), `setpriv` (the unprivileged user, no supplementary groups, no
 * new privileges through setuid binaries), then `prlimit`. RLIMIT_NPROC only binds a non-root user.
 */
export function sandboxCommand(command: string, args: readonly string[], limits: ChildLimits): { command: string; args: string[] } {
  const limited = prlimitArgv(command, args, limits);
  if (!limits.isolation) return { command: 'prlimit', args: limited };
  const { uid, gid } = limits.isolation;
  return {
    command: 'unshare',
    args: ['--net', '--', 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', '--', 'prlimit', ...limited],
  };
}

/** How a child ended when it did not end well. */
export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KiB of stderr, for logs only: it may quote the file, so it never reaches a client. */
  stderrTail: string;
  /** We killed it: the job's wall-clock bound passed. */
  hitDeadline: boolean;
}

/** A tool-specific reading of stderr: the first rule that matches names the reason. */
export interface RejectionRule {
  pattern: RegExp;
  code: string;
  message: string;
}

// Past RLIMIT_AS: malloc fails (each tool words it differently), a thread stack cannot be mapped
// (pthread_create's EAGAIN), or the loader cannot even map a library.
const OUT_OF_MEMORY = new RegExp(
  [
    'cannot allocate memory',
    'could not allocate',
    'out of memory',
    'bad_alloc',
    'failed to allocate',
    'malloc of size \\d+ failed',
    'memory allocation failed',
    'Fatal process OOM',
    'Resource temporarily unavailable',
    'failed to map segment',
  ].join('|'),
  'i',
);

/** Turns a failed child into the reason the asset fails with; `tool` names it in the message. */
export function rejectionFor(tool: string, outcome: ChildOutcome, rules: readonly RejectionRule[]): MediaRejectedError {
  const detail = describe(tool, outcome);
  if (outcome.hitDeadline) return new MediaRejectedError('time_limit', `${tool} did not finish within the job's time limit`, detail);
  // A SIGKILL we did not send is RLIMIT_CPU (the kernel's OOM killer is the unlikely other sender:
  // RLIMIT_AS makes allocations fail long before). SIGXCPU in case a tool runs with a lower soft limit.
  if (outcome.signal === 'SIGXCPU' || outcome.signal === 'SIGKILL') {
    return new MediaRejectedError('time_limit', `${tool} used up the job's CPU time limit`, detail);
  }
  if (OUT_OF_MEMORY.test(outcome.stderrTail)) return new MediaRejectedError('memory_limit', `${tool} needed more memory than the job's limit`, detail);
  for (const rule of rules) {
    if (rule.pattern.test(outcome.stderrTail)) return new MediaRejectedError(rule.code, rule.message, detail);
  }
  if (outcome.signal !== null) return new MediaRejectedError('corrupt_file', `${tool} crashed on this file`, detail);
  return new MediaRejectedError('corrupt_file', `${tool} could not process this file`, detail);
}

function describe(tool: string, outcome: ChildOutcome): string {
  const end = outcome.signal !== null ? `signal ${outcome.signal}` : `exit code ${outcome.exitCode}`;
  return `${tool} ended with ${end}${outcome.hitDeadline ? ' (wall-clock bound)' : ''}: ${outcome.stderrTail.trim().slice(-2000)}`;
}

/** What ffmpeg and ffprobe say when the file, not the machine, is the problem. */
export const FFMPEG_RULES: readonly RejectionRule[] = [
  { pattern: /not on whitelist/i, code: 'unsupported_format', message: 'the file is not in an allowed media container (playlists and scripts are refused)' },
  { pattern: /Picture size \d+x\d+ is invalid|max_pixels/i, code: 'too_many_pixels', message: 'the video frame size exceeds the pixel limit' },
  { pattern: /Invalid data found|moov atom not found|could not find codec parameters|End of file|Invalid argument/i, code: 'corrupt_file', message: 'the file is corrupt or truncated' },
];
