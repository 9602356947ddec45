import type { MediaProbe } from './media-probe';
import { planVideo } from './video-plan';

const probe = (width: number, height: number, audio = true): MediaProbe => ({
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  duration: 30,
  bitrate: 4_000_000,
  video: { codec: 'h264', width, height, frameRate: 25 },
  audio: audio ? { codec: 'aac', sampleRate: 48_000, channels: 2 } : null,
});

describe('planVideo', () => {
  it('declares every file the commands write, with roles, types and sizes', () => {
    const plan = planVideo(probe(1280, 720), '/in', 1e8);
    expect(plan.files).toEqual([
      { role: 'hls', name: 'master.m3u8', mimeType: 'application/vnd.apple.mpegurl' },
      { role: 'hls', name: 'hls-720p.m3u8', mimeType: 'application/vnd.apple.mpegurl', width: 1280, height: 720 },
      { role: 'hls', name: 'hls-720p.ts', mimeType: 'video/mp2t', width: 1280, height: 720 },
      { role: 'hls', name: 'hls-480p.m3u8', mimeType: 'application/vnd.apple.mpegurl', width: 854, height: 480 },
      { role: 'hls', name: 'hls-480p.ts', mimeType: 'video/mp2t', width: 854, height: 480 },
      { role: 'hls', name: 'hls-360p.m3u8', mimeType: 'application/vnd.apple.mpegurl', width: 640, height: 360 },
      { role: 'hls', name: 'hls-360p.ts', mimeType: 'video/mp2t', width: 640, height: 360 },
      { role: 'rendition', name: 'video-720p.mp4', mimeType: 'video/mp4', width: 1280, height: 720 },
      { role: 'poster', name: 'poster.jpg', mimeType: 'image/jpeg', width: 1280, height: 720 },
    ]);
    expect(plan.poster).toContain('3.000');
    expect(plan.posterFromStart).not.toContain('-ss');
  });

  it('refuses a frame over the pixel limit before anything is decoded', () => {
    expect(() => planVideo(probe(30_000, 30_000), '/in', 1e8)).toThrow(expect.objectContaining({ code: 'too_many_pixels' }));
  });

  it('refuses a file without a video stream', () => {
    expect(() => planVideo({ ...probe(1, 1), video: null }, '/in', 1e8)).toThrow(expect.objectContaining({ code: 'corrupt_file' }));
  });

  it('leaves audio out of the commands for a silent source', () => {
    expect(planVideo(probe(640, 360, false), '/in', 1e8).encode).not.toContain('0:a:0');
  });
});
