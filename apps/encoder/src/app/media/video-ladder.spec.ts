import { chooseLadder, mp4Rung, rungFiles } from './video-ladder';

const sizes = (source: { width: number; height: number }): string[] => chooseLadder(source).map((rung) => `${rung.name} ${rung.width}x${rung.height}`);

describe('chooseLadder', () => {
  it('offers every rung a 1080p source allows, largest first', () => {
    expect(sizes({ width: 1920, height: 1080 })).toEqual(['1080p 1920x1080', '720p 1280x720', '480p 854x480', '360p 640x360']);
  });

  it('never goes above the source: 4K tops out at 1080p, 720p at 720p', () => {
    expect(sizes({ width: 3840, height: 2160 })[0]).toBe('1080p 1920x1080');
    expect(sizes({ width: 1280, height: 720 })).toEqual(['720p 1280x720', '480p 854x480', '360p 640x360']);
  });

  it('names portrait rungs by their short side and keeps them upright', () => {
    expect(sizes({ width: 1080, height: 1920 })).toEqual(['1080p 1080x1920', '720p 720x1280', '480p 480x854', '360p 360x640']);
  });

  it('skips rungs between sizes: a 900-line source gets 720p and below', () => {
    expect(sizes({ width: 1600, height: 900 })).toEqual(['720p 1280x720', '480p 854x480', '360p 640x360']);
  });

  it('fits very wide sources into the rung box', () => {
    expect(sizes({ width: 3840, height: 1080 })[0]).toBe('1080p 1920x540');
  });

  it('encodes a source smaller than 360p once, at its own size rounded down to even sides', () => {
    expect(sizes({ width: 320, height: 240 })).toEqual(['240p 320x240']);
    expect(sizes({ width: 175, height: 99 })).toEqual(['98p 174x98']);
    expect(sizes({ width: 1, height: 1 })).toEqual(['2p 2x2']);
  });

  it('never produces a side larger than the source or an odd side', () => {
    for (const source of [
      { width: 641, height: 361 },
      { width: 1279, height: 719 },
      { width: 853, height: 480 },
      { width: 3001, height: 1999 },
    ]) {
      for (const rung of chooseLadder(source)) {
        expect(rung.width).toBeLessThanOrEqual(source.width);
        expect(rung.height).toBeLessThanOrEqual(source.height);
        expect(rung.width % 2).toBe(0);
        expect(rung.height % 2).toBe(0);
      }
    }
  });
});

describe('mp4Rung and file names', () => {
  it('copies the 720p rung when there is one, else the smallest', () => {
    expect(mp4Rung(chooseLadder({ width: 1920, height: 1080 })).name).toBe('720p');
    expect(mp4Rung(chooseLadder({ width: 854, height: 480 })).name).toBe('480p');
    expect(mp4Rung(chooseLadder({ width: 320, height: 240 })).name).toBe('240p');
  });

  it('names each rung’s files flat, by rung', () => {
    expect(rungFiles({ name: '720p' })).toEqual({ playlist: 'hls-720p.m3u8', media: 'hls-720p.ts', mp4: 'video-720p.mp4' });
  });
});
