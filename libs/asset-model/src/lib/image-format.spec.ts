import {
  GRAVITIES,
  IMAGE_OUTPUT_FORMATS,
  canonicalFormat,
  formatUrlOf,
  isRenderableImage,
  negotiateFormat,
  parseFormatSegment,
  planVariant,
  signFormat,
  verifyFormatSignature,
  type FormatOptions,
} from './image-format';

const bounds = { maxDimension: 4000 };
const parse = (segment: string) => parseFormatSegment(segment, bounds);
const options = (segment: string): FormatOptions => {
  const parsed = parse(segment);
  if (!parsed.ok) throw new Error(`${segment}: ${parsed.code}`);
  return parsed.options;
};

describe('parseFormatSegment', () => {
  it('reads every option', () => {
    expect(options('w_400,h_300,q_75,c_north,fm_webp')).toEqual({ width: 400, height: 300, quality: 75, gravity: 'north', format: 'webp' });
  });

  it.each(GRAVITIES.map((gravity) => [gravity]))('accepts the gravity %s', (gravity) => {
    expect(options(`c_${gravity}`).gravity).toBe(gravity === 'centre' ? 'center' : gravity);
  });

  it.each(IMAGE_OUTPUT_FORMATS.map((format) => [format]))('accepts the output format %s', (format) => {
    expect(options(`fm_${format}`).format).toBe(format);
  });

  it('defaults the gravity to centre and leaves the rest unset', () => {
    expect(options('w_1')).toEqual({ width: 1, gravity: 'center' });
  });

  it('takes the options in any order', () => {
    expect(options('fm_png,c_south,h_20,w_10')).toEqual(options('w_10,h_20,c_south,fm_png'));
  });

  it('accepts the largest allowed size and a quality from 1 to 100', () => {
    expect(options('w_4000,h_4000,q_1').quality).toBe(1);
    expect(options('q_100').quality).toBe(100);
  });

  it('keeps a signature apart', () => {
    expect(options('w_10,s_abcdefghijklmnop0123').signature).toBe('abcdefghijklmnop0123');
  });

  it.each([
    ['', 'invalid_format'],
    ['x'.repeat(257), 'invalid_format'],
    ['w400', 'invalid_format'],
    ['w_400,', 'invalid_format'],
    [',w_400', 'invalid_format'],
    ['W_400', 'invalid_format'],
    ['s_short', 'invalid_format'],
    ['x_1', 'unknown_format_option'],
    ['blur_5', 'unknown_format_option'],
    ['w_1,w_2', 'duplicate_format_option'],
    ['c_north,c_south', 'duplicate_format_option'],
    ['w_0', 'invalid_dimension'],
    ['w_-5', 'invalid_dimension'],
    ['w_01', 'invalid_dimension'],
    ['w_1.5', 'invalid_dimension'],
    ['h_abc', 'invalid_dimension'],
    ['w_', 'invalid_dimension'],
    ['w_1e3', 'invalid_dimension'],
    ['w_9999999', 'invalid_dimension'],
    ['w_4001', 'dimension_too_large'],
    ['h_4001', 'dimension_too_large'],
    ['q_0', 'invalid_quality'],
    ['q_101', 'invalid_quality'],
    ['q_high', 'invalid_quality'],
    ['c_top', 'invalid_gravity'],
    ['c_', 'invalid_gravity'],
    ['c_North', 'invalid_gravity'],
    ['fm_gif', 'unsupported_output_format'],
    ['fm_jpg', 'unsupported_output_format'],
  ])('refuses %j with %s', (segment, code) => {
    const parsed = parse(segment);
    expect(parsed).toMatchObject({ ok: false, code });
    if (!parsed.ok) expect(parsed.detail.length).toBeLessThan(200);
  });
});

describe('canonicalFormat', () => {
  it('orders the options, fills the default quality and drops the signature', () => {
    expect(canonicalFormat(options('fm_webp,w_10,s_abcdefghijklmnop0123'))).toBe('w_10,q_80,fm_webp');
  });

  it('names the gravity only for a crop, spelled one way', () => {
    expect(canonicalFormat(options('w_10,c_north'))).toBe('w_10,q_80');
    expect(canonicalFormat(options('w_10,h_5,c_centre'))).toBe(canonicalFormat(options('h_5,w_10')));
    expect(canonicalFormat(options('w_10,h_5,c_southwest'))).toBe('w_10,h_5,q_80,c_southwest');
  });

  it('adds a negotiated format', () => {
    expect(canonicalFormat(options('w_10'), 'avif')).toBe('w_10,q_80,fm_avif');
  });
});

describe('negotiateFormat', () => {
  it.each([
    ['image/avif,image/webp,image/apng,*/*;q=0.8', 'image/jpeg', 'avif'],
    ['image/webp,*/*', 'image/jpeg', 'webp'],
    ['image/avif;q=0,image/webp', 'image/jpeg', 'webp'],
    ['IMAGE/WEBP', 'image/jpeg', 'webp'],
    ['*/*', 'image/jpeg', 'jpeg'],
    ['image/*', 'image/png', 'png'],
    [undefined, 'image/gif', 'png'],
    ['', 'image/tiff', 'png'],
    ['text/html', 'image/heic', 'jpeg'],
  ] as const)('Accept %j for %s → %s', (accept, source, expected) => {
    expect(negotiateFormat(accept, source)).toBe(expected);
  });
});

describe('planVariant', () => {
  const source = { width: 4000, height: 3000 };

  it('scales to a width keeping the aspect ratio', () => {
    expect(planVariant(options('w_400'), 'webp', source)).toEqual({ width: 400, height: 300, fit: 'inside', gravity: 'center', quality: 80, format: 'webp' });
  });

  it('scales to a height keeping the aspect ratio', () => {
    expect(planVariant(options('h_300,q_50'), 'jpeg', source)).toMatchObject({ width: 400, height: 300, fit: 'inside', quality: 50 });
  });

  it('crops to fill both sides around the gravity', () => {
    expect(planVariant(options('w_200,h_200,c_northeast'), 'png', source)).toMatchObject({ width: 200, height: 200, fit: 'cover', gravity: 'northeast' });
  });

  it('never upscales one side', () => {
    expect(planVariant(options('w_3000'), 'webp', { width: 640, height: 480 })).toMatchObject({ width: 640, height: 480 });
    expect(planVariant(options('h_900'), 'webp', { width: 640, height: 480 })).toMatchObject({ width: 640, height: 480 });
  });

  it('shrinks a crop larger than the source as a whole, keeping its shape', () => {
    expect(planVariant(options('w_1000,h_1000'), 'webp', { width: 640, height: 480 })).toMatchObject({ width: 480, height: 480, fit: 'cover' });
    expect(planVariant(options('w_2000,h_500'), 'webp', { width: 640, height: 480 })).toMatchObject({ width: 640, height: 160 });
  });

  it('keeps the source size without w_ or h_', () => {
    expect(planVariant(options('q_10'), 'avif', { width: 7, height: 3 })).toMatchObject({ width: 7, height: 3, fit: 'inside', quality: 10 });
  });

  it('never goes below one pixel', () => {
    expect(planVariant(options('w_1'), 'png', { width: 4000, height: 10 })).toMatchObject({ width: 1, height: 1 });
  });
});

describe('signatures', () => {
  const key = 'secret-key';
  it('signs the canonical format of one file', () => {
    const signature = signFormat(key, 'file-1', options('w_10,fm_webp'));
    expect(signature).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(signFormat(key, 'file-1', options('fm_webp,w_10'))).toBe(signature);
    expect(verifyFormatSignature(key, 'file-1', options(`w_10,fm_webp,s_${signature}`))).toBe(true);
  });

  it('refuses another file, another format, another key or no signature', () => {
    const signature = signFormat(key, 'file-1', options('w_10'));
    expect(verifyFormatSignature(key, 'file-2', options(`w_10,s_${signature}`))).toBe(false);
    expect(verifyFormatSignature(key, 'file-1', options(`w_11,s_${signature}`))).toBe(false);
    expect(verifyFormatSignature('other', 'file-1', options(`w_10,s_${signature}`))).toBe(false);
    expect(verifyFormatSignature(key, 'file-1', options('w_10'))).toBe(false);
    expect(verifyFormatSignature(key, 'file-1', options(`w_10,s_${signature.slice(0, 20)}`))).toBe(false);
  });
});

describe('format_url and renderable types', () => {
  it('puts the placeholder before the name', () => {
    expect(formatUrlOf('https://cdn.example/cdn/abc/photo%20one.jpg')).toBe('https://cdn.example/cdn/abc/{format}/photo%20one.jpg');
  });

  it.each([
    ['image/jpeg', true],
    ['image/png', true],
    ['IMAGE/WEBP; charset=binary', true],
    ['image/svg+xml', false],
    ['application/pdf', false],
    ['video/mp4', false],
  ] as const)('%s renderable: %s', (mime, expected) => {
    expect(isRenderableImage(mime)).toBe(expected);
  });
});
