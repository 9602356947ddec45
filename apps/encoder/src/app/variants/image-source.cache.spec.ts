import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EncoderStorageClient } from '@media/internal-api';
import { JobWorkspace } from '../jobs/job-workspace';
import { ImageSourceCache } from './image-source.cache';

/** The renderer's cache of originals on a real disk; storage is a stand-in that counts downloads. */
describe('image source cache', () => {
  let dir: string;
  let workspace: JobWorkspace;
  let downloads: string[];
  const stored = new Map<string, Buffer>();

  const storage = {
    download: async (fileId: string, _tenant: string, target: string): Promise<number | null> => {
      downloads.push(fileId);
      const bytes = stored.get(fileId);
      if (!bytes) return null;
      await writeFile(target, bytes, { flag: 'wx' });
      return bytes.length;
    },
  } as unknown as EncoderStorageClient;

  const cache = (budgetMb = 512) => new ImageSourceCache(storage, workspace, { IMAGE_SOURCE_CACHE_MB: budgetMb });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'image-source-cache-'));
    workspace = new JobWorkspace({ ENCODER_TMP_DIR: dir });
    await workspace.onModuleInit();
    downloads = [];
    stored.clear();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves an original a processing job handed over without downloading it, as a copy of its own', async () => {
    const bytes = randomBytes(300_000);
    stored.set('orig-1', bytes);
    const jobFile = path.join(dir, 'job-original');
    await writeFile(jobFile, bytes);
    const sources = cache();

    await sources.adopt('orig-1', jobFile);
    // The job's file goes on to sandboxed tools and is then removed: the cache must not depend on it.
    await writeFile(jobFile, Buffer.from('changed by a tool'));
    const held = await sources.hold('orig-1', 'acme');

    expect(downloads).toEqual([]);
    expect(held?.file).not.toBe(jobFile);
    expect(await readFile(held?.file as string)).toEqual(bytes);
    held?.release();
  });

  it('downloads as before when the handed-over file cannot be copied, and never throws at the job', async () => {
    stored.set('orig-2', randomBytes(1000));
    const sources = cache();

    await expect(sources.adopt('orig-2', path.join(dir, 'missing'))).resolves.toBeUndefined();
    const held = await sources.hold('orig-2', 'acme');

    expect(downloads).toEqual(['orig-2']);
    expect(await readFile(held?.file as string)).toEqual(stored.get('orig-2'));
    held?.release();
  });

  it('keeps the entry it has when the same original is handed over again', async () => {
    stored.set('orig-3', randomBytes(1000));
    const sources = cache();
    const first = await sources.hold('orig-3', 'acme');
    first?.release();
    const other = path.join(dir, 'other');
    await writeFile(other, randomBytes(10));

    await sources.adopt('orig-3', other);
    const again = await sources.hold('orig-3', 'acme');

    expect(downloads).toEqual(['orig-3']);
    expect(await readFile(again?.file as string)).toEqual(stored.get('orig-3'));
    again?.release();
  });
});
