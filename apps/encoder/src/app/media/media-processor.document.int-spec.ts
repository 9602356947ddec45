import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { fixtureDir, makePdf } from '@media/testing';
import type { JobLimits, MediaJob } from './media-job';
import { processMedia } from './media-processor';

const LIMITS: JobLimits = { wallClockMs: 60_000, cpuSeconds: 60, memoryBytes: 2 * 1024 ** 3, maxPixels: 50_000_000 };

describe('processMedia: documents and other files', () => {
  let dir: string;
  let jobs = 0;
  beforeAll(async () => {
    dir = await fixtureDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function job(inputPath: string, label: MediaJob['label'], mimeType: string | null): Promise<MediaJob> {
    const outputDir = path.join(dir, `out-${++jobs}`);
    await mkdir(outputDir);
    return { label, mimeType, inputPath, outputDir, limits: LIMITS };
  }

  it('counts the pages of a PDF and renders the first into a bounded preview', async () => {
    const pdf = await job(await makePdf(dir, { pages: 3 }), 'Document', 'application/pdf');
    const result = await processMedia(pdf);

    expect(result).toMatchObject({ pageCount: 3, width: null, height: null, duration: null, bitrate: null });
    // Letter is 612x792 pt: the long side is scaled to 1024 px.
    expect(result.files).toEqual([{ role: 'preview', name: 'preview.jpg', mimeType: 'image/jpeg', width: 792, height: 1024 }]);
    expect(await readdir(pdf.outputDir)).toEqual(['preview.jpg']);
    const meta = await sharp(path.join(pdf.outputDir, 'preview.jpg')).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 792, height: 1024 });
  });

  it.each([
    ['Document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['File', null],
  ] as const)('keeps a %s as it is', async (label, mimeType) => {
    const file = path.join(dir, `kept-${label}`);
    await writeFile(file, 'PK\x03\x04 not processed');
    const kept = await job(file, label, mimeType);
    expect(await processMedia(kept)).toEqual({ width: null, height: null, duration: null, bitrate: null, pageCount: null, files: [] });
    expect(await readdir(kept.outputDir)).toEqual([]);
  });
});
