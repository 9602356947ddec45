import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { e2eContext, type FaultProxy, findRepoRoot, startFaultProxy, tokenFor } from '@media/testing';

const { gateway } = e2eContext();
const repoRoot = findRepoRoot();
const bundle = path.join(repoRoot, 'dist/apps/cli/media-assets.cjs');
const MiB = 1024 * 1024;
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The built `media-assets` (the file `npm pack` ships) as a process of its own. */
function start(args: string[], env: NodeJS.ProcessEnv = {}, binary: string[] = [process.execPath, bundle]): { child: ChildProcess; done: Promise<Run> } {
  const [command = process.execPath, ...prefix] = binary;
  const child = spawn(command, [...prefix, ...args], { env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (piece: Buffer) => (stdout += piece.toString()));
  child.stderr?.on('data', (piece: Buffer) => (stderr += piece.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the media-assets command line against the running suite', () => {
  let token: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => start(args, { ...env, ...extra }).done;
  const json = <T>(run: Run): T => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return JSON.parse(run.stdout) as T;
  };

  beforeAll(async () => {
    if (!existsSync(bundle)) execFileSync(path.join(repoRoot, 'node_modules/.bin/tsx'), ['tools/client/build-packages.ts', 'cli'], { cwd: repoRoot, stdio: 'inherit' });
    token = await tokenFor(`cli-${randomUUID().slice(0, 8)}`);
    dir = mkdtempSync(path.join(tmpdir(), 'cli-e2e-'));
    env = { MEDIA_ASSETS_URL: gateway, MEDIA_ASSETS_TOKEN: token, MEDIA_ASSETS_STATE_DIR: path.join(dir, 'state') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads several files at once and prints the assets with --json; ls, get and rm print JSON too', async () => {
    const small = path.join(dir, 'small.bin');
    const large = path.join(dir, 'large.bin');
    writeFileSync(small, randomBytes(1000));
    writeFileSync(large, randomBytes(17 * MiB));
    const assets = json<{ id: string; checksum: { sha256: string }; original_name: string }[]>(await cli(['upload', small, large, '--json', '--chunk-size', '4m']));
    expect(assets.map((a) => [a.original_name, a.checksum.sha256])).toEqual([
      ['small.bin', sha(readFileSync(small))],
      ['large.bin', sha(readFileSync(large))],
    ]);
    const page = json<{ total: number; items: { id: string }[] }>(await cli(['ls', '--json', '--limit', '1']));
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);
    const all = json<{ id: string }[]>(await cli(['ls', '--json', '--all', '--limit', '1']));
    expect(all.map((a) => a.id).sort()).toEqual(assets.map((a) => a.id).sort());
    expect(json<{ id: string }>(await cli(['get', assets[0]?.id ?? '', '--json'])).id).toBe(assets[0]?.id);
    expect(json<{ deleted: string[] }>(await cli(['rm', assets[0]?.id ?? '', '--json']))).toEqual({ deleted: [assets[0]?.id] });
    const human = await cli(['ls']);
    expect(human.stdout).toContain(assets[1]?.id);
    expect(human.stdout).toMatch(/^ID\s+LABEL\s+STATUS/);
  });

  it('resumes the same asset when the same command runs again after Ctrl-C and after a kill, byte-identical', async () => {
    const proxy: FaultProxy = await startFaultProxy(gateway);
    try {
      const file = path.join(dir, 'interrupted.bin');
      // Past the 16 MiB from which uploads go resumably, in 2 MiB chunks.
      const bytes = randomBytes(18 * MiB);
      writeFileSync(file, bytes);
      // Through the proxy, the second transfer of each run hangs: the process is then stopped mid-upload.
      let transfers = 0;
      proxy.plan(({ method, url }) => (method === 'POST' && url.endsWith('/multipart') && ++transfers % 2 === 0 ? { kind: 'hang' } : { kind: 'pass' }));
      const hung = () => proxy.requests.filter((r) => r.fault === 'hang').length;
      const upload = ['upload', file, '--chunk-size', '2m', '--json'];

      const first = start(upload, { ...env, MEDIA_ASSETS_URL: proxy.url });
      await until('the first run to hang', () => hung() === 1);
      first.child.kill('SIGINT');
      const interrupted = await first.done;
      expect(interrupted.code).toBe(130);
      expect(interrupted.stderr).toMatch(/interrupted; run the same command again/);
      const id = /asset ([0-9a-f-]{36})/.exec(interrupted.stderr)?.[1];
      expect(id).toBeDefined();

      const second = start(upload, { ...env, MEDIA_ASSETS_URL: proxy.url });
      await until('the second run to hang', () => hung() === 2);
      second.child.kill('SIGKILL');
      const killed = await second.done;
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.stderr).toContain(`resuming asset ${id}`);

      // The same command once more (same address: the resume entry is keyed by it), now on a calm network.
      proxy.plan(() => ({ kind: 'pass' }));
      const finished = json<{ id: string; checksum: { sha256: string } }[]>(await cli(upload, { MEDIA_ASSETS_URL: proxy.url }));
      expect(finished.map((a) => a.id)).toEqual([id]);
      expect(finished[0]?.checksum.sha256).toBe(sha(bytes));
      const target = path.join(dir, 'interrupted.copy');
      json(await cli(['download', id ?? '', '-o', target, '--json']));
      expect(sha(readFileSync(target))).toBe(sha(bytes));
    } finally {
      await proxy.close();
    }
  });

  it('continues the part of a download an interrupted run left, with Range, byte-identical', async () => {
    const file = path.join(dir, 'download.bin');
    const bytes = randomBytes(6 * MiB);
    writeFileSync(file, bytes);
    const [asset] = json<{ id: string; cdn_files: { items: { role: string; url: string }[] } }[]>(await cli(['upload', file, '--json']));
    const url = asset?.cdn_files.items.find((item) => item.role === 'original')?.url ?? '';
    // What a run killed after 2 MiB leaves behind: the bytes so far and the file's validator.
    const target = path.join(dir, 'download.copy');
    const etag = (await fetch(url, { method: 'HEAD' })).headers.get('etag');
    writeFileSync(`${target}.part`, bytes.subarray(0, 2 * MiB));
    writeFileSync(`${target}.part.json`, JSON.stringify({ url, etag }));
    const resumed = json<{ resumed_from: number; bytes: number }>(await cli(['download', asset?.id ?? '', '-o', target, '--json']));
    expect(resumed).toMatchObject({ resumed_from: 2 * MiB, bytes: bytes.byteLength });
    expect(sha(readFileSync(target))).toBe(sha(bytes));
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('manages webhooks with --json', async () => {
    const created = json<{ id: string; secret: string }>(await cli(['webhooks', 'add', 'http://127.0.0.1:9/hooks', '--events', 'asset.created,asset.deleted', '--json']));
    expect(created.secret).toMatch(/^whsec_/);
    expect(json<{ items: { id: string; events: string[] }[] }>(await cli(['webhooks', 'ls', '--json'])).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: created.id, events: ['asset.created', 'asset.deleted'] })]),
    );
    expect(json<{ items: unknown[] }>(await cli(['webhooks', 'deliveries', created.id, '--json'])).items).toEqual([]);
    expect(json(await cli(['webhooks', 'rm', created.id, '--json']))).toEqual({ deleted: [created.id] });
  });

  it.each([
    ['a bad token', ['ls'], { MEDIA_ASSETS_TOKEN: 'not-a-token' }, /^media-assets: list assets: .*invalid_token/],
    ['an unknown asset', ['get', randomUUID()], {}, /^media-assets: get .*404 asset_not_found/],
    ['no address', ['ls'], { MEDIA_ASSETS_URL: '' }, /^media-assets: no API address: set MEDIA_ASSETS_URL/],
    ['an unreachable API', ['ls', '--retries', '0', '--url', 'http://127.0.0.1:1023'], {}, /^media-assets: cannot reach the API \(ECONNREFUSED\)/],
    ['a missing file', ['upload', '/nonexistent/file.bin'], {}, /^media-assets: \/nonexistent\/file.bin: ENOENT/],
    ['an unknown option', ['ls', '--bogus'], {}, /^error: unknown option '--bogus'/],
  ])('answers %s with one readable line on stderr and a non-zero exit', async (_what, args, extra, line) => {
    const run = await cli(args, extra);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n').filter((text) => !text.startsWith('(media-assets --help'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('packs into a tarball that installs with npm i -g and gives a working media-assets binary', async () => {
    const packDir = path.join(dir, 'pack');
    const prefix = path.join(dir, 'prefix');
    mkdirSync(packDir);
    execFileSync('npm', ['pack', path.join(repoRoot, 'dist/apps/cli'), '--pack-destination', packDir], { stdio: 'pipe' });
    const [tarball] = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toMatch(/^media-assets-\d+\.\d+\.\d+\.tgz$/);
    // No dependencies to fetch: the client is bundled into the one file, so this works offline.
    execFileSync('npm', ['i', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', path.join(packDir, tarball ?? '')], { stdio: 'pipe' });
    const binary = path.join(prefix, 'bin', 'media-assets');
    const version = await start(['--version'], env, [binary]).done;
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const listed = await start(['ls', '--json', '--limit', '1'], env, [binary]).done;
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ limit: 1 });
  });
});
