import { chmod, chown, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MediaRejectedError } from './media-job';
import { resolveSandbox } from './sandbox-isolation';
import type { ChildLimits } from './sandbox-policy';
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

/**
 * Isolation needs root (CI runs as root on Debian; `resolveSandbox` falls back to limits only elsewhere,
 * and says so in the log). These run wherever the process could isolate; as root they must.
 */
const isolation = { uid: 65534, gid: 65534 };
const isolatable = resolveSandbox('auto', isolation).isolation !== undefined;
if (process.getuid?.() === 0) expect(isolatable).toBe(true);

(isolatable ? describe : describe.skip)('runSandboxed with isolation (unprivileged user, no network)', () => {
  let jobDir: string;
  let outsideDir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    jobDir = await mkdtemp(path.join(tmpdir(), 'sandbox-job-'));
    await chown(jobDir, isolation.uid, isolation.gid);
    // A folder of ours next to the job's, as another job's or the service's would be.
    outsideDir = await mkdtemp(path.join(tmpdir(), 'sandbox-outside-'));
    await chmod(outsideDir, 0o755);
    server = createServer((socket) => {
      socket.on('error', () => undefined); // the probe exits without closing
      socket.end('reached\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server?.close();
    await rm(jobDir, { recursive: true, force: true });
    await rm(outsideDir, { recursive: true, force: true });
  });

  const isolated = (command: string, args: string[], limits: Partial<ChildLimits> = {}) =>
    runSandboxed({ tool: 'probe', command, args, cwd: jobDir, limits: { ...LIMITS, isolation, ...limits }, deadline: Date.now() + 20_000, rules: [] }).done;

  it('runs the tool as the unprivileged user, with no interface but a downed loopback', async () => {
    const { stdout } = await isolated('sh', ['-c', 'id -u; id -G; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "']);
    expect(stdout.trim().split('\n')).toEqual(['65534', '65534', 'lo']);
  });

  it('cannot open a connection, to the host’s loopback or anywhere', async () => {
    // Reachable from the encoder itself: the listener answers outside the sandbox.
    const script = `require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(3); })`;
    const error = await isolated(process.execPath, ['-e', script], { memoryBytes: 8 * 1024 ** 3 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(MediaRejectedError);
    const { stdout } = await runSandboxed({ tool: 'probe', command: process.execPath, args: ['-e', script], cwd: jobDir, limits: { ...LIMITS, memoryBytes: 8 * 1024 ** 3 }, deadline: Date.now() + 20_000, rules: [] }).done;
    expect(stdout.trim()).toBe('connected'); // the same probe without isolation does connect: the test can fail
  });

  it('writes in its job folder, and nowhere else of ours', async () => {
    await isolated('sh', ['-c', 'echo ok > out.txt']);
    expect(await readFile(path.join(jobDir, 'out.txt'), 'utf8')).toBe('ok\n');
    await expect(isolated('sh', ['-c', `echo x > ${outsideDir}/escaped.txt`])).rejects.toBeInstanceOf(MediaRejectedError);
    await expect(readFile(path.join(outsideDir, 'escaped.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops a file past RLIMIT_FSIZE and a fork bomb at RLIMIT_NPROC', async () => {
    await expect(isolated('sh', ['-c', 'head -c 2000000 /dev/zero > big.bin'], { fileBytes: 1_000_000 })).rejects.toBeInstanceOf(MediaRejectedError);
    expect((await stat(path.join(jobDir, 'big.bin'))).size).toBeLessThanOrEqual(1_000_000);
    const { stdout } = await isolated('sh', ['-c', 'n=0; while [ $n -lt 50 ]; do sleep 5 & n=$((n+1)); done 2>/dev/null; echo started $(jobs -p | wc -l)'], { processes: 10 }).catch(() => ({ stdout: 'refused' }));
    expect(stdout).not.toContain('started 50');
  });
});
