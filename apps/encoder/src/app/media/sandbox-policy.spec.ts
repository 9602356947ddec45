import { MediaRejectedError } from './media-job';
import { type ChildOutcome, FFMPEG_RULES, prlimitArgv, rejectionFor, sandboxCommand } from './sandbox-policy';

const failed = (outcome: Partial<ChildOutcome>): ChildOutcome => ({ exitCode: 1, signal: null, stderrTail: '', hitDeadline: false, ...outcome });

describe('prlimitArgv', () => {
  it('bounds CPU (kill at the limit), address space and core dumps, then runs the tool', () => {
    expect(prlimitArgv('ffmpeg', ['-i', 'x'], { cpuSeconds: 90.2, memoryBytes: 2 * 1024 ** 3 })).toEqual([
      '--cpu=91',
      '--as=2147483648',
      '--core=0',
      '--',
      'ffmpeg',
      '-i',
      'x',
    ]);
  });

  it('never sets a zero CPU limit (that would mean unlimited to some tools)', () => {
    expect(prlimitArgv('x', [], { cpuSeconds: 0, memoryBytes: 1 })[0]).toBe('--cpu=1');
  });
});

describe('sandboxCommand', () => {
  const limits = { cpuSeconds: 10, memoryBytes: 1024, fileBytes: 2048.5, processes: 64 };

  it('adds RLIMIT_FSIZE and RLIMIT_NPROC to the limits', () => {
    expect(sandboxCommand('ffmpeg', ['-i', 'x'], limits)).toEqual({ command: 'prlimit', args: ['--cpu=10', '--as=1024', '--core=0', '--fsize=2048', '--nproc=64', '--', 'ffmpeg', '-i', 'x'] });
  });

  it('isolates: empty network namespace, then the unprivileged user without groups or new privileges, then the limits', () => {
    expect(sandboxCommand('ffprobe', ['x'], { ...limits, isolation: { uid: 65534, gid: 65533 } })).toEqual({
      command: 'unshare',
      args: ['--net', '--', 'setpriv', '--reuid=65534', '--regid=65533', '--clear-groups', '--no-new-privs', '--', 'prlimit', '--cpu=10', '--as=1024', '--core=0', '--fsize=2048', '--nproc=64', '--', 'ffprobe', 'x'],
    });
  });
});

describe('rejectionFor', () => {
  it('names the wall-clock bound first, whatever the tool said', () => {
    const error = rejectionFor('ffmpeg', failed({ signal: 'SIGKILL', hitDeadline: true, stderrTail: 'Invalid data found' }), FFMPEG_RULES);
    expect(error).toBeInstanceOf(MediaRejectedError);
    expect(error.code).toBe('time_limit');
  });

  it('reads a SIGKILL we did not send, or SIGXCPU, as the CPU limit', () => {
    expect(rejectionFor('pdftoppm', failed({ exitCode: null, signal: 'SIGKILL' }), []).code).toBe('time_limit');
    expect(rejectionFor('pdftoppm', failed({ exitCode: null, signal: 'SIGXCPU' }), []).code).toBe('time_limit');
  });

  it.each([
    'Error while decoding stream #0:0: Cannot allocate memory',
    'x264 [error]: malloc of size 11619264 failed',
    'ffprobe: error while loading shared libraries: libgomp.so.1: failed to map segment from shared object',
    'Failed to inject frame into filter network: Resource temporarily unavailable',
    '# Fatal process OOM in Failed to reserve virtual memory for CodeRange',
  ])('reads "%s" as the memory limit', (stderrTail) => {
    expect(rejectionFor('ffmpeg', failed({ stderrTail }), FFMPEG_RULES).code).toBe('memory_limit');
  });

  it.each([
    ["[hls @ 0x1] Format not on whitelist 'mov,matroska'", 'unsupported_format'],
    ['[IMGUTILS @ 0x1] Picture size 30000x30000 is invalid', 'too_many_pixels'],
    ['file:x.mp4: Invalid data found when processing input', 'corrupt_file'],
    ['something nobody expected', 'corrupt_file'],
  ])('reads ffmpeg saying "%s" as %s', (stderrTail, code) => {
    expect(rejectionFor('ffmpeg', failed({ stderrTail }), FFMPEG_RULES).code).toBe(code);
  });

  it('keeps what the tool said out of the message (it may quote the file) and in the detail', () => {
    const error = rejectionFor('ffmpeg', failed({ stderrTail: 'root:x:0:0:root:/root:/bin/bash Invalid data found' }), FFMPEG_RULES);
    expect(error.message).not.toContain('root:x');
    expect(error.detail).toContain('root:x');
    expect(error.detail).toContain('exit code 1');
  });

  it('calls a crash by another signal a crash on this file', () => {
    const error = rejectionFor('ffmpeg', failed({ exitCode: null, signal: 'SIGSEGV' }), FFMPEG_RULES);
    expect(error).toMatchObject({ code: 'corrupt_file', message: 'ffmpeg crashed on this file' });
  });
});
