import { mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  fixtureDir,
  makeAviWithEmbeddedPlaylist,
  makeFfconcatDisguisedAsMp4,
  makeHlsDisguisedAsMp4,
  makeHugeFrameVideo,
  makePdfBomb,
  makePdfHugePage,
  makePhoto,
  makePngBomb,
  makeVideo,
  truncateFile,
} from '@media/testing';
import { type JobLimits, type MediaJob, MediaRejectedError } from './media-job';
import { processMedia } from './media-processor';

const LIMITS: JobLimits = { wallClockMs: 60_000, cpuSeconds: 60, memoryBytes: 2 * 1024 ** 3, maxPixels: 50_000_000 };

/** Processes whose working directory is `dir`: every tool runs there, so none may outlive its job. */
async function processesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd === dir) pids.push(Number(entry));
  }
  return pids;
}

async function outputBytes(dir: string): Promise<Buffer> {
  const names = await readdir(dir);
  return Buffer.concat(await Promise.all(names.map((name) => readFile(path.join(dir, name)))));
}

describe('processMedia: hostile and oversized input', () => {
  let dir: string;
  let jobs = 0;
  let video: string;
  beforeAll(async () => {
    dir = await fixtureDir();
    video = await makeVideo(dir, { seconds: 20, size: '1920x1080', name: 'long.mp4' });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function job(inputPath: string, label: MediaJob['label'], limits: Partial<JobLimits> = {}): Promise<MediaJob> {
    const outputDir = path.join(dir, `out-${++jobs}`);
    await mkdir(outputDir);
    return { label, mimeType: null, inputPath, outputDir, limits: { ...LIMITS, ...limits } };
  }

  async function rejection(work: Promise<unknown>): Promise<MediaRejectedError> {
    const error = await work.then(
      () => new Error('expected a rejection'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(MediaRejectedError);
    return error as MediaRejectedError;
  }

  it.each([
    ['an HLS playlist disguised as .mp4', makeHlsDisguisedAsMp4],
    ['an ffconcat script disguised as .mp4', makeFfconcatDisguisedAsMp4],
  ])('refuses %s without opening what it names', async (_, make) => {
    const hostile = await job(await make(dir), 'Video');
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).not.toContain('passwd');
    expect(await readdir(hostile.outputDir)).toEqual([]);
  });

  it('refuses the AVI with an embedded playlist, and no byte of /etc/passwd reaches any output', async () => {
    const passwd = await readFile('/etc/passwd', 'utf8');
    const firstLine = passwd.split('\n')[0] as string;
    const hostile = await job(await makeAviWithEmbeddedPlaylist(dir, { target: '/etc/passwd' }), 'Video');
    const error = await rejection(processMedia(hostile));
    expect(['unsupported_format', 'corrupt_file']).toContain(error.code);
    const written = await outputBytes(hostile.outputDir);
    expect(written.includes(firstLine)).toBe(false);
    expect(`${error.message} ${error.detail ?? ''}`).not.toContain(firstLine);
  });

  it('refuses a video whose header declares a 30000x30000 frame, before decoding it', async () => {
    const hostile = await job(await makeHugeFrameVideo(dir, { side: 30_000 }), 'Video');
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('too_many_pixels');
  });

  it('refuses a PNG declaring 60000x60000 from its header, in well under a second of work', async () => {
    const hostile = await job(await makePngBomb(dir, { width: 60_000, height: 60_000 }), 'Photo');
    const started = Date.now();
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('too_many_pixels');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readdir(hostile.outputDir)).toEqual([]);
  });

  it('refuses a truncated JPEG', async () => {
    const photo = await makePhoto(dir, { size: '1600x1200', name: 'whole.jpg' });
    const hostile = await job(await truncateFile(photo, { fraction: 0.4 }), 'Photo');
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('corrupt_file');
  });

  it('refuses a PDF compression bomb by the size of the image it hides, before decoding it', async () => {
    const hostile = await job(await makePdfBomb(dir), 'Document', { maxPixels: 100_000_000 });
    hostile.mimeType = 'application/pdf';
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('too_many_pixels');
    expect(await processesIn(hostile.outputDir)).toEqual([]);
  });

  it('stops a PDF compression bomb at the CPU limit when its image is allowed', async () => {
    const hostile = await job(await makePdfBomb(dir), 'Document', { cpuSeconds: 1, maxPixels: 1_000_000_000 });
    hostile.mimeType = 'application/pdf';
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('time_limit');
    expect(await processesIn(hostile.outputDir)).toEqual([]);
  });

  it('refuses a PDF page with an absurd MediaBox before rendering it', async () => {
    const hostile = await job(await makePdfHugePage(dir), 'Document');
    hostile.mimeType = 'application/pdf';
    const error = await rejection(processMedia(hostile));
    expect(error.code).toBe('too_many_pixels');
    expect(await readdir(hostile.outputDir)).toEqual([]);
  });

  it('kills the whole process group at the wall-clock bound', async () => {
    const slow = await job(video, 'Video', { wallClockMs: 1_500 });
    const started = Date.now();
    const error = await rejection(processMedia(slow));
    expect(error.code).toBe('time_limit');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await processesIn(slow.outputDir)).toEqual([]);
  });

  it('stops at the CPU limit of a child', async () => {
    const greedy = await job(video, 'Video', { cpuSeconds: 1 });
    const error = await rejection(processMedia(greedy));
    expect(error.code).toBe('time_limit');
    expect(await processesIn(greedy.outputDir)).toEqual([]);
  });

  it.each([
    ['Video', () => video, 600 * 1024 ** 2],
    ['Photo', () => makePhoto(dir, { size: '640x480', name: 'small.jpg' }), 300 * 1024 ** 2],
  ] as const)('stops a %s job at the memory limit', async (label, input, memoryBytes) => {
    const hungry = await job(await input(), label, { memoryBytes });
    const error = await rejection(processMedia(hungry));
    // With what the tool said, so that a failure shows why it ended some other way (a crash instead of a failed allocation).
    expect(`${error.code}: ${error.detail}`).toMatch(/^memory_limit: /);
  });

  it('stops at once when the pipeline aborts, with the abort reason, leaving no process behind', async () => {
    const aborted = await job(video, 'Video');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 1_000);
    const started = Date.now();
    await expect(processMedia(aborted, controller.signal)).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await processesIn(aborted.outputDir)).toEqual([]);
  });

  it('keeps working for the next job after all of the above', async () => {
    const small = await makeVideo(dir, { seconds: 1, size: '640x360', name: 'after.mp4' });
    const result = await processMedia(await job(small, 'Video'));
    expect(result).toMatchObject({ width: 640, height: 360 });
  });
});
