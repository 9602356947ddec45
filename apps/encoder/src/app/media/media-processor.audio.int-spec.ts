import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fixtureDir, makeAudio, makeVideo, probeStreams, topLevelBoxes } from '@media/testing';
import type { JobLimits, MediaJob } from './media-job';
import { processMedia } from './media-processor';
import type { WaveformJson } from './waveform-peaks';

const LIMITS: JobLimits = { wallClockMs: 60_000, cpuSeconds: 60, memoryBytes: 2 * 1024 ** 3, maxPixels: 50_000_000 };

describe('processMedia: audio', () => {
  let dir: string;
  let jobs = 0;
  beforeAll(async () => {
    dir = await fixtureDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function job(inputPath: string, mimeType: string): Promise<MediaJob> {
    const outputDir = path.join(dir, `out-${++jobs}`);
    await mkdir(outputDir);
    return { label: 'Audio', mimeType, inputPath, outputDir, limits: LIMITS };
  }

  it.each([
    ['mp3', 'audio/mpeg'],
    ['wav', 'audio/wav'],
    ['m4a', 'audio/mp4'],
  ] as const)('turns %s into an AAC rendition and waveform peaks', async (format, mimeType) => {
    const audio = await job(await makeAudio(dir, { seconds: 5, format }), mimeType);
    const result = await processMedia(audio);

    expect(result).toMatchObject({ width: null, height: null, pageCount: null, codecs: { video: null, audio: expect.any(String) } });
    expect(result.duration).toBeCloseTo(5, 0);
    expect(result.bitrate).toBeGreaterThan(0);
    expect(result.files).toEqual([
      { role: 'rendition', name: 'audio.m4a', mimeType: 'audio/mp4' },
      { role: 'waveform', name: 'waveform.json', mimeType: 'application/json' },
    ]);
    const { streams } = await probeStreams(path.join(audio.outputDir, 'audio.m4a'));
    expect(streams.map((stream) => stream.codec_name)).toEqual(['aac']);
    const boxes = await topLevelBoxes(path.join(audio.outputDir, 'audio.m4a'));
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

    const waveform = JSON.parse(await readFile(path.join(audio.outputDir, 'waveform.json'), 'utf8')) as WaveformJson;
    expect(waveform).toMatchObject({ version: 2, channels: 1, bits: 16, sample_rate: 16_000 });
    expect(waveform.length).toBeGreaterThanOrEqual(900);
    expect(waveform.length).toBeLessThanOrEqual(2000);
    expect(waveform.data).toHaveLength(2 * waveform.length);
    expect(waveform.length * waveform.samples_per_pixel).toBeGreaterThanOrEqual(5 * 16_000 * 0.95);
    // The fixture gets louder over time: the last peaks are well above the first.
    const maxAt = (pair: number): number => waveform.data[2 * pair + 1] as number;
    expect(maxAt(waveform.length - 10)).toBeGreaterThan(3 * maxAt(10));
    for (let pair = 0; pair < waveform.length; pair++) {
      expect(waveform.data[2 * pair]).toBeLessThanOrEqual(waveform.data[2 * pair + 1] as number);
    }
  });

  it('refuses an audio job whose file holds no sound', async () => {
    const silent = await makeVideo(dir, { seconds: 1, size: '160x120', audio: false, name: 'silent.mp4' });
    await expect(processMedia(await job(silent, 'audio/mp4'))).rejects.toMatchObject({ code: 'corrupt_file' });
  });
});
