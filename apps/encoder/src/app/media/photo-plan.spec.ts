import { checkPhotoHeader, thumbnailFile, thumbnailWidths } from './photo-plan';

describe('checkPhotoHeader', () => {
  it('reports the displayed size, sides swapped for EXIF orientations 5 to 8', () => {
    expect(checkPhotoHeader({ format: 'jpeg', width: 800, height: 600, orientation: 1 }, 1e6)).toEqual({ width: 800, height: 600 });
    for (const orientation of [5, 6, 7, 8]) {
      expect(checkPhotoHeader({ format: 'jpeg', width: 800, height: 600, orientation }, 1e6)).toEqual({ width: 600, height: 800 });
    }
    expect(checkPhotoHeader({ format: 'jpeg', width: 800, height: 600, orientation: 3 }, 1e6)).toEqual({ width: 800, height: 600 });
  });

  it('refuses more pixels than the limit, from the header alone', () => {
    expect(() => checkPhotoHeader({ format: 'png', width: 60_000, height: 60_000, orientation: 1 }, 1e8)).toThrow(
      expect.objectContaining({ code: 'too_many_pixels' }),
    );
    expect(checkPhotoHeader({ format: 'png', width: 10_000, height: 10_000, orientation: 1 }, 1e8)).toEqual({ width: 10_000, height: 10_000 });
  });

  it('refuses formats outside the allow-list (SVG may reference other files) and sizeless headers', () => {
    expect(() => checkPhotoHeader({ format: 'svg', width: 10, height: 10, orientation: 1 }, 1e8)).toThrow(expect.objectContaining({ code: 'unsupported_format' }));
    expect(() => checkPhotoHeader({ format: undefined, width: 10, height: 10, orientation: 1 }, 1e8)).toThrow(expect.objectContaining({ code: 'unsupported_format' }));
    expect(() => checkPhotoHeader({ format: 'jpeg', width: 0, height: 10, orientation: 1 }, 1e8)).toThrow(expect.objectContaining({ code: 'corrupt_file' }));
  });
});

describe('thumbnailWidths', () => {
  it('never upscales', () => {
    expect(thumbnailWidths(4000)).toEqual([320, 640, 1280]);
    expect(thumbnailWidths(1280)).toEqual([320, 640, 1280]);
    expect(thumbnailWidths(1000)).toEqual([320, 640]);
    expect(thumbnailWidths(320)).toEqual([320]);
  });

  it('gives a photo narrower than the smallest width one thumbnail at its own width', () => {
    expect(thumbnailWidths(200)).toEqual([200]);
  });

  it('names files by width', () => {
    expect(thumbnailFile(640)).toBe('thumb-640.webp');
  });
});
