import { assetMetadataSchema, cleanFileName, startUploadSchema, updateAssetSchema } from './asset-input';

describe('asset metadata input', () => {
  it.each([
    ['a,b, c', ['a', 'b', 'c']],
    ['["x","y"]', ['x', 'y']],
    [['x', 'x', ' y '], ['x', 'y']],
    ['', []],
  ])('reads tags %p', (input, tags) => {
    expect(assetMetadataSchema.parse({ tags: input }).tags).toEqual(tags);
  });

  it('refuses oversized values', () => {
    expect(assetMetadataSchema.safeParse({ name: 'n'.repeat(513) }).success).toBe(false);
    expect(assetMetadataSchema.safeParse({ tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }).success).toBe(false);
    expect(assetMetadataSchema.safeParse({ name: '' }).success).toBe(false);
  });

  it('refuses unknown fields on update', () => {
    expect(updateAssetSchema.safeParse({ nmae: 'typo' }).success).toBe(false);
  });
});

describe('start of a resumable upload', () => {
  it('takes file_size as a string (the seed) or a number', () => {
    expect(startUploadSchema.parse({ upload_phase: 'start', file_size: '8308859', label: 'Video' })).toMatchObject({ file_size: 8_308_859, label: 'Video' });
    expect(startUploadSchema.parse({ upload_phase: 'start', file_size: 42 }).file_size).toBe(42);
  });

  it.each([['-1'], ['1.5'], ['12abc'], ['99999999999999999'], [null]])('refuses file_size %p', (file_size) => {
    expect(startUploadSchema.safeParse({ upload_phase: 'start', file_size }).success).toBe(false);
  });
});

describe('cleanFileName', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\film.mp4', 'film.mp4'],
    ['evil\r\nSet-Cookie: x.txt', 'evilSet-Cookie: x.txt'],
    ['..', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%p → %p', (input, output) => expect(cleanFileName(input)).toBe(output));
});
