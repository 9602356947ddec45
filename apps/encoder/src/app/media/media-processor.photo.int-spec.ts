import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { fixtureDir, makePhoto, makeRotatedPhoto } from '@media/testing';
import type { JobLimits, MediaJob } from './media-job';
import { processMedia } from './media-processor';

const LIMITS: JobLimits = { wallClockMs: 60_000, cpuSeconds: 60, memoryBytes: 2 * 1024 ** 3, maxPixels: 50_000_000 };

describe('processMedia: photo', () => {
  let dir: string;
  let jobs = 0;
  beforeAll(async () => {
    dir = await fixtureDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function job(inputPath: string): Promise<MediaJob> {
    const outputDir = path.join(dir, `out-${++jobs}`);
    await mkdir(outputDir);
    return { label: 'Photo', mimeType: 'image/jpeg', inputPath, outputDir, limits: LIMITS };
  }

  it('makes WebP thumbnails at each width the photo allows', async () => {
    const photo = await job(await makePhoto(dir, { size: '2000x1000' }));
    const result = await processMedia(photo);

    expect(result).toEqual({
      width: 2000,
      height: 1000,
      duration: null,
      bitrate: null,
      pageCount: null,
      files: [320, 640, 1280].map((width) => ({ role: 'thumbnail', name: `thumb-${width}.webp`, mimeType: 'image/webp', width, height: width / 2 })),
    });
    expect((await readdir(photo.outputDir)).sort()).toEqual(['thumb-1280.webp', 'thumb-320.webp', 'thumb-640.webp']);
    for (const file of result.files) {
      const meta = await sharp(path.join(photo.outputDir, file.name)).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: file.width, height: file.height });
    }
  });

  it('reports the size after EXIF orientation and turns the thumbnails upright', async () => {
    // Stored 800x600 with orientation 6 (turn 90°): displayed 600x800.
    const photo = await job(await makeRotatedPhoto(dir, { width: 800, height: 600, orientation: 6 }));
    const result = await processMedia(photo);

    expect(result).toMatchObject({ width: 600, height: 800 });
    // 600 wide: only the 320 rung fits (640 would upscale).
    expect(result.files.map((file) => [file.name, file.width, file.height])).toEqual([['thumb-320.webp', 320, 427]]);
    const meta = await sharp(path.join(photo.outputDir, 'thumb-320.webp')).metadata();
    expect(meta).toMatchObject({ width: 320, height: 427 });
  });

  it('never upscales: a photo narrower than the smallest width gets one thumbnail at its own width', async () => {
    const photo = await job(await makePhoto(dir, { size: '200x150', name: 'small.png' }));
    const result = await processMedia(photo);
    expect(result.files).toEqual([{ role: 'thumbnail', name: 'thumb-200.webp', mimeType: 'image/webp', width: 200, height: 150 }]);
  });
});
