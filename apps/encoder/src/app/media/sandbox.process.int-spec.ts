import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { MediaRejectedError } from './media-job';
import { runSandboxed } from './sandbox.process';

const LIMITS = { cpuSeconds: 30, memoryBytes: 1024 ** 3 };

/** Pids whose command line contains `marker`: the sandbox must leave none behind. */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(marker) && !commandLine.includes('jest')) pids.push(Number(entry));
  }
  return pids;
}

function shell(script: string, deadlineMs: number, extra: { signal?: AbortSignal; limits?: typeof LIMITS } = {}) {
  return runSandboxed({
    tool: 'sh',
    command: 'sh',
    args: ['-c', script],
    cwd: tmpdir(),
    limits: extra.limits ?? LIMITS,
    deadline: Date.now() + deadlineMs,
    signal: extra.signal,
    rules: [],
  });
}

describe('runSandboxed', () => {
  it('returns stdout and kills nothing that is still needed', async () => {
    await expect(shell('echo hello; echo warn >&2', 5_000).done).resolves.toEqual({ stdout: 'hello\n', stderrTail: 'warn\n' });
  });

  it('kills the whole process group, grandchildren included, at the deadline', async () => {
    const marker = `sleep ${1000 + Math.floor(Math.random() * 1000)}`;
    const started = Date.now();
    const error = await shell(`${marker} & ${marker} & wait`, 500).done.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(MediaRejectedError);
    expect((error as MediaRejectedError).code).toBe('time_limit');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('kills the group on abort and rejects with the abort reason', async () => {
    const marker = `sleep ${2000 + Math.floor(Math.random() * 1000)}`;
    const controller = new AbortController();
    const child = shell(`${marker} & wait`, 60_000, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('pipeline stopping')), 300);
    await expect(child.done).rejects.toThrow('pipeline stopping');
    expect(await processesWith(marker)).toEqual([]);
  });

  it('enforces the CPU limit with the kernel', async () => {
    const error = await shell('while :; do :; done', 30_000, { limits: { cpuSeconds: 1, memoryBytes: 1024 ** 3 } }).done.catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'time_limit', message: 'sh used up the job\'s CPU time limit' });
  });

  it('gives the tool none of the service’s environment', async () => {
    process.env['SECRET_FOR_TEST'] = 'do-not-leak';
    const { stdout } = await shell('env', 5_000).done;
    delete process.env['SECRET_FOR_TEST'];
    expect(stdout).not.toContain('do-not-leak');
    expect(stdout).toContain('MALLOC_ARENA_MAX=2');
  });

  it('says the machine is broken, not the file, when the tool is missing', async () => {
    const child = runSandboxed({ tool: 'nope', command: 'no-such-tool-here', args: [], cwd: tmpdir(), limits: LIMITS, deadline: Date.now() + 5_000, rules: [] });
    const error = await child.done.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MediaRejectedError);
    expect((error as Error).message).toContain('could not start nope');
  });
});
