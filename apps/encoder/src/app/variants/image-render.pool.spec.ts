import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImageRenderPool } from './image-render.pool';

/** The render pool with real threads and sharp: what a render hands back is the image it made, from memory. */
describe('image render pool', () => {
  let dir: string;
  let pool: ImageRenderPool;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'image-render-pool-'));
    pool = new ImageRenderPool({ ENCODER_TMP_DIR: dir, IMAGE_RENDER_THREADS: 1, IMAGE_RENDER_QUEUE: 4, IMAGE_RENDER_TIMEOUT_SECONDS: 30, ENCODER_MAX_PIXELS: 50_000_000 });
    await pool.onModuleInit();
  });

  afterAll(async () => {
    await pool.onApplicationShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands back the rendered bytes with their hash and size, and writes no output file', async () => {
    const source = path.join(dir, 'source.jpg');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#336699' } }).jpeg().toFile(source);
    const before = await readdir(dir, { recursive: true });

    const made = await pool.render(source, { width: 100, height: 75, fit: 'inside', gravity: 'center', quality: 70, format: 'webp' });

    expect(Buffer.isBuffer(made.data)).toBe(true);
    expect(made.size).toBe(made.data.length);
    expect(made.sha256).toBe(createHash('sha256').update(made.data).digest('hex'));
    expect(await sharp(made.data).metadata()).toMatchObject({ format: 'webp', width: 100, height: 75 });
    expect({ width: made.width, height: made.height }).toEqual({ width: 100, height: 75 });
    expect(await readdir(dir, { recursive: true })).toEqual(before);
  });
});
