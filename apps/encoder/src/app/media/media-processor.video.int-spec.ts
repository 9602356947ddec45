import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { decodeFully, fixtureDir, makeVideo, probeStreams, topLevelBoxes } from '@media/testing';
import type { JobLimits, MediaJob } from './media-job';
import { processMedia } from './media-processor';

const LIMITS: JobLimits = { wallClockMs: 120_000, cpuSeconds: 120, memoryBytes: 3 * 1024 ** 3, maxPixels: 50_000_000 };

describe('processMedia: video', () => {
  let dir: string;
  let jobs = 0;
  beforeAll(async () => {
    dir = await fixtureDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function job(inputPath: string, limits: Partial<JobLimits> = {}): Promise<MediaJob> {
    const outputDir = path.join(dir, `out-${++jobs}`);
    await mkdir(outputDir);
    return { label: 'Video', mimeType: 'video/mp4', inputPath, outputDir, limits: { ...LIMITS, ...limits } };
  }

  it('makes an HLS ladder no larger than the source, a fast-start MP4 and a poster', async () => {
    const input = await makeVideo(dir, { seconds: 4, size: '1280x720' });
    const video = await job(input);
    const result = await processMedia(video);

    expect(result).toMatchObject({ width: 1280, height: 720, pageCount: null, codecs: { video: 'h264', audio: 'aac' } });
    expect(result.duration).toBeCloseTo(4, 0);
    expect(result.bitrate).toBeGreaterThan(0);
    expect(result.files.map((file) => `${file.role} ${file.name}`).sort()).toEqual(
      [
        'hls master.m3u8',
        'hls hls-720p.m3u8',
        'hls hls-720p.ts',
        'hls hls-480p.m3u8',
        'hls hls-480p.ts',
        'hls hls-360p.m3u8',
        'hls hls-360p.ts',
        'rendition video-720p.mp4',
        'poster poster.jpg',
      ].sort(),
    );
    // Flat output, nothing left behind but the declared files.
    expect((await readdir(video.outputDir)).sort()).toEqual(result.files.map((file) => file.name).sort());

    // Playlists name their siblings by bare file name (the pipeline rewrites them on upload), one media file each.
    const master = await readFile(path.join(video.outputDir, 'master.m3u8'), 'utf8');
    expect(master.split('\n').filter((line) => line && !line.startsWith('#'))).toEqual(['hls-720p.m3u8', 'hls-480p.m3u8', 'hls-360p.m3u8']);
    expect(master).toContain('RESOLUTION=854x480');
    const rendition = await readFile(path.join(video.outputDir, 'hls-480p.m3u8'), 'utf8');
    expect(rendition).toContain('#EXT-X-BYTERANGE');
    expect(new Set(rendition.split('\n').filter((line) => line && !line.startsWith('#')))).toEqual(new Set(['hls-480p.ts']));

    // The master decodes end to end, every rendition is H.264/AAC and no larger than the source.
    await decodeFully(path.join(video.outputDir, 'master.m3u8'));
    for (const name of ['hls-720p.ts', 'hls-480p.ts', 'hls-360p.ts', 'video-720p.mp4']) {
      const { streams } = await probeStreams(path.join(video.outputDir, name));
      const picture = streams.find((stream) => stream.codec_type === 'video');
      expect(picture?.codec_name).toBe('h264');
      expect(streams.find((stream) => stream.codec_type === 'audio')?.codec_name).toBe('aac');
      expect(picture?.width).toBeLessThanOrEqual(1280);
      expect(picture?.height).toBeLessThanOrEqual(720);
    }
    const boxes = await topLevelBoxes(path.join(video.outputDir, 'video-720p.mp4'));
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

    const poster = await probeStreams(path.join(video.outputDir, 'poster.jpg'));
    expect(poster.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 1280, height: 720 });
  });

  it('encodes a tiny silent source once, at its own size, with the index at the end of the file', async () => {
    const input = await makeVideo(dir, { seconds: 2, size: '320x240', audio: false, moovLast: true, name: 'tiny.mp4' });
    const video = await job(input);
    const result = await processMedia(video);

    expect(result).toMatchObject({ width: 320, height: 240, codecs: { video: 'h264', audio: null } });
    expect(result.files.map((file) => file.name).sort()).toEqual(['hls-240p.m3u8', 'hls-240p.ts', 'master.m3u8', 'poster.jpg', 'video-240p.mp4']);
    await decodeFully(path.join(video.outputDir, 'master.m3u8'));
    const { streams } = await probeStreams(path.join(video.outputDir, 'video-240p.mp4'));
    expect(streams.map((stream) => stream.codec_type)).toEqual(['video']);
    expect(streams[0]).toMatchObject({ width: 320, height: 240 });
  });
});
