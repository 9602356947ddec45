import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Asset, CdnFile } from '@media/asset-model';
import {
  e2eContext,
  fixtureDir,
  makeAudio,
  makeAviWithEmbeddedPlaylist,
  makeFfconcatDisguisedAsMp4,
  makeHlsDisguisedAsMp4,
  makeHugeFrameVideo,
  makePdf,
  makePdfBomb,
  makePhoto,
  makePngBomb,
  makeRotatedPhoto,
  makeVideo,
  multipartBody,
  tokenFor,
  truncateFile,
} from '@media/testing';

const run = promisify(execFile);
const context = e2eContext();

/** Upload → processing → ready (or failed), through the public API and the encoder. */
describe('processing: every kind of asset goes from upload to ready with its files', () => {
  let token: string;
  let dir: string;

  beforeAll(async () => {
    token = await tokenFor(`processing-${Date.now().toString(36)}`);
    dir = await fixtureDir();
  });

  const auth = () => ({ Authorization: `Bearer ${token}` });

  async function upload(file: string, name = path.basename(file)): Promise<Asset> {
    const { body, contentType } = multipartBody([{ name: 'source', value: await readFile(file), filename: name }]);
    const response = await fetch(`${context.gateway}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(response.status).toBe(201);
    return (await response.json()) as Asset;
  }

  async function settled(id: string, timeoutMs = 180_000): Promise<Asset> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const asset = (await (await fetch(`${context.gateway}/assets/${id}`, { headers: auth() })).json()) as Asset;
      if (asset.status === 'ready' || asset.status === 'failed') return asset;
      if (Date.now() > deadline) throw new Error(`asset ${id} still ${asset.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const roles = (asset: Asset) => new Set(asset.cdn_files.items.map((file) => file.role));

  /** Every produced file answers a one-byte Range through its cdn url with 206 and its full length. */
  async function expectReachable(files: CdnFile[]): Promise<void> {
    for (const file of files) {
      const response = await fetch(file.url, { headers: { Range: 'bytes=0-0' } });
      expect({ file: file.file, status: response.status }).toEqual({ file: file.file, status: 206 });
      expect(response.headers.get('content-range')).toBe(`bytes 0-0/${file.size}`);
      expect(response.headers.get('content-type')).toBe(file.mime_type);
      await response.arrayBuffer();
    }
  }

  function expectUniqueIds(asset: Asset): void {
    const ids = asset.cdn_files.items.map((file) => file.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(asset.cdn_files.total).toBe(ids.length);
  }

  it('a video: probed, an HLS ladder with a master that ffprobe decodes over HTTP from /cdn, an MP4 and a poster', async () => {
    const video = await makeVideo(dir, { seconds: 4, size: '640x360', bitrate: '1M', name: 'clip.mp4' });
    const asset = await settled((await upload(video)).id);
    expect(asset).toMatchObject({ status: 'ready', label: 'Video', width: 640, height: 360, error: null });
    expect(asset.duration).toBeGreaterThan(3.5);
    expect(asset.duration).toBeLessThan(4.5);
    expect(asset.bitrate).toBeGreaterThan(0);
    expect(asset.page_count).toBeNull();
    expect([...roles(asset)]).toEqual(expect.arrayContaining(['original', 'hls', 'rendition', 'poster']));
    expectUniqueIds(asset);
    await expectReachable(asset.cdn_files.items);

    // The master is the playlist that names other playlists; relative URLs resolve under /cdn.
    const playlists = asset.cdn_files.items.filter((file) => file.file.endsWith('.m3u8'));
    const texts = await Promise.all(playlists.map(async (file) => ({ file, text: await (await fetch(file.url)).text() })));
    const master = texts.find(({ text }) => text.includes('#EXT-X-STREAM-INF'));
    if (!master) throw new Error(`no master playlist among ${playlists.map((file) => file.file).join(', ')}`);
    for (const line of master.text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^\.\.\/[0-9a-f-]{36}\/[\w.-]+\.m3u8$/);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'json', master.file.url], { timeout: 60_000 });
    const streams = (JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string; height?: number }[] }).streams;
    expect(streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264')).toBe(true);
    expect(streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
    // Never larger than the source.
    expect(Math.max(...streams.filter((s) => s.codec_type === 'video').map((s) => s.height ?? 0))).toBeLessThanOrEqual(360);
    // A full decode of the lowest variant through the relative segment URLs.
    await run('ffmpeg', ['-v', 'error', '-i', master.file.url, '-f', 'null', '-'], { timeout: 120_000 });
  });

  it('an audio file: duration, a rendition and waveform peaks as JSON', async () => {
    const audio = await makeAudio(dir, { seconds: 3, format: 'mp3', name: 'tone.mp3' });
    const asset = await settled((await upload(audio)).id);
    expect(asset).toMatchObject({ status: 'ready', label: 'Audio', error: null });
    expect(asset.duration).toBeGreaterThan(2.5);
    expect(asset.bitrate).toBeGreaterThan(0);
    expect([...roles(asset)]).toEqual(expect.arrayContaining(['original', 'rendition', 'waveform']));
    expectUniqueIds(asset);
    await expectReachable(asset.cdn_files.items);
    const waveform = asset.cdn_files.items.find((file) => file.role === 'waveform') as CdnFile;
    const peaks = await (await fetch(waveform.url)).text();
    expect(() => JSON.parse(peaks) as unknown).not.toThrow();
  });

  it('a photo: width and height after EXIF orientation, and WebP thumbnails', async () => {
    const photo = await makeRotatedPhoto(dir, { width: 800, height: 600, orientation: 6, name: 'rotated.jpg' });
    const asset = await settled((await upload(photo)).id);
    expect(asset).toMatchObject({ status: 'ready', label: 'Photo', width: 600, height: 800, error: null });
    const thumbnails = asset.cdn_files.items.filter((file) => file.role === 'thumbnail');
    expect(thumbnails.length).toBeGreaterThan(0);
    for (const thumbnail of thumbnails) expect(thumbnail.mime_type).toBe('image/webp');
    expectUniqueIds(asset);
    await expectReachable(asset.cdn_files.items);
  });

  it('a PDF: a first-page preview', async () => {
    const pdf = await makePdf(dir, { pages: 3, name: 'report.pdf' });
    const asset = await settled((await upload(pdf)).id);
    expect(asset).toMatchObject({ status: 'ready', label: 'Document', error: null, page_count: 3, bitrate: null });
    expect([...roles(asset)]).toEqual(expect.arrayContaining(['original', 'preview']));
    expectUniqueIds(asset);
    await expectReachable(asset.cdn_files.items);
  });

  it('another document: kept as it is, and ready', async () => {
    const text = path.join(dir, 'notes.txt');
    await writeFile(text, 'plain notes, nothing to render\n'.repeat(20));
    const asset = await settled((await upload(text)).id);
    expect(asset).toMatchObject({ status: 'ready', label: 'Document', error: null });
    expect(asset.cdn_files.items.map((file) => file.role)).toEqual(['original']);
    await expectReachable(asset.cdn_files.items);
  });

  it('hostile inputs end failed with a reason, and the job after them still succeeds', async () => {
    const hostile: [string, string, RegExp][] = [
      ['HLS playlist named .mp4', await makeHlsDisguisedAsMp4(dir), /^content_mismatch$/],
      ['ffconcat script named .mp4', await makeFfconcatDisguisedAsMp4(dir), /^content_mismatch$/],
      ['AVI with an embedded playlist', await makeAviWithEmbeddedPlaylist(dir), /^(corrupt_file|unsupported_format)$/],
      ['PNG declaring 60000×60000', await makePngBomb(dir, { name: 'bomb.png' }), /^too_many_pixels$/],
      ['truncated JPEG', await truncateFile(await makePhoto(dir, { size: '1280x720', name: 'whole.jpg' }), { fraction: 0.3, name: 'truncated.jpg' }), /^corrupt_file$/],
      ['PDF compression bomb', await makePdfBomb(dir), /^too_many_pixels$/],
      ['video with a 30000×30000 frame', await makeHugeFrameVideo(dir), /^too_many_pixels$/],
    ];
    const uploaded = [];
    for (const [what, file] of hostile) uploaded.push({ what, asset: await upload(file) });
    const after = await upload(await makePhoto(dir, { size: '320x240', name: 'after.jpg' }));
    for (const [index, { what, asset: { id } }] of uploaded.entries()) {
      const asset = await settled(id);
      expect({ what, status: asset.status, code: asset.error?.code }).toEqual({ what, status: 'failed', code: expect.stringMatching(hostile[index]?.[2] ?? /^$/) });
      expect(asset.error?.message.length).toBeGreaterThan(0);
      // A failed asset keeps only its original, and no message quotes a local file.
      expect(asset.cdn_files.items.map((file) => file.role)).toEqual(['original']);
      expect(asset.error?.message).not.toMatch(/root:|\/etc\/passwd/);
    }
    expect(await settled(after.id)).toMatchObject({ status: 'ready', width: 320, height: 240 });
  }, 240_000);

  it('replacing the source re-runs processing for the new original only', async () => {
    const first = await upload(await makePhoto(dir, { size: '400x300', name: 'first.jpg' }));
    const { body, contentType } = multipartBody([{ name: 'source', value: await readFile(await makePhoto(dir, { size: '200x100', name: 'second.jpg' })), filename: 'second.jpg' }]);
    const put = await fetch(`${context.gateway}/assets/${first.id}`, { method: 'PUT', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(put.status).toBe(200);
    const asset = await settled(first.id);
    expect(asset).toMatchObject({ status: 'ready', width: 200, height: 100 });
    expect(asset.cdn_files.items.filter((file) => file.role === 'original').map((file) => file.file)).toEqual(['second.jpg']);
    // The first original's result, if it came late, was discarded: the asset stays as the second made it.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await settled(first.id)).toMatchObject({ width: 200, height: 100, cdn_files: { total: asset.cdn_files.total } });
  });

  it('shows processing durations and outcomes on the encoder’s /metrics', async () => {
    const metrics = await (await fetch(`${process.env['E2E_ENCODER_URL']}/metrics`)).text();
    // Label order differs between prom-client metric types; each label is looked for on its own.
    const sample = (name: string, labels: string[]) =>
      metrics.split('\n').find((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)) && !/ 0$/.test(line));
    expect(sample('encoder_job_duration_seconds_count', ['label="Video"', 'outcome="ready"'])).toBeDefined();
    expect(sample('encoder_jobs_total', ['label="Photo"', 'outcome="failed"'])).toBeDefined();
    expect(sample('encoder_results_published_total', ['outcome="ready"'])).toBeDefined();
  });
});
