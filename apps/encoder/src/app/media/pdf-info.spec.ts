import { checkPdf, checkPdfImages, parsePdfImages, parsePdfInfo, pdftoppmArgs } from './pdf-info';

const LETTER = `Producer:        test
Pages:           3
Encrypted:       no
Page    1 size:  612 x 792 pts (letter)
Page    1 rot:   0
File size:       1107 bytes
`;

describe('parsePdfInfo', () => {
  it('reads the page count and the first page size', () => {
    expect(parsePdfInfo(LETTER)).toEqual({ pages: 3, firstPage: { width: 612, height: 792 } });
  });

  it('turns the first page size for a quarter-turn rotation', () => {
    expect(parsePdfInfo(LETTER.replace('rot:   0', 'rot:   90')).firstPage).toEqual({ width: 792, height: 612 });
  });

  it('reads sizes in exponent form, as pdfinfo prints huge pages', () => {
    expect(parsePdfInfo('Pages: 1\nPage size:       1e+06 x 1e+06 pts\n').firstPage).toEqual({ width: 1e6, height: 1e6 });
  });

  it('refuses a PDF without pages', () => {
    expect(() => parsePdfInfo('Pages:           0\n')).toThrow(expect.objectContaining({ code: 'corrupt_file' }));
    expect(() => parsePdfInfo('garbage')).toThrow(expect.objectContaining({ code: 'corrupt_file' }));
  });
});

describe('checkPdf and the preview command', () => {
  it('refuses pages beyond PDF’s 14400 pt limit, accepts up to it', () => {
    expect(() => checkPdf({ pages: 1, firstPage: { width: 1e6, height: 1e6 } })).toThrow(expect.objectContaining({ code: 'too_many_pixels' }));
    expect(() => checkPdf({ pages: 1, firstPage: { width: 14_400, height: 14_400 } })).not.toThrow();
    expect(() => checkPdf({ pages: 1, firstPage: null })).not.toThrow();
  });

  it('renders only the first page, scaled to a bounded size whatever the page says', () => {
    expect(pdftoppmArgs('/in.pdf')).toEqual(['-f', '1', '-l', '1', '-singlefile', '-scale-to', '1024', '-jpeg', '-jpegopt', 'quality=85', '/in.pdf', 'preview']);
  });
});

describe('images the first page draws', () => {
  const listing = [
    'page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio',
    '--------------------------------------------------------------------------------------------',
    '   1     0 image   12000 12000  rgb     3   8  image  no         5  0  1412  1091  410K 0.1%',
    '   1     1 smask     640   480  gray    1   8  image  no         7  0    72    72  2K 1.0%',
  ].join('\n');

  it('reads every image size from `pdfimages -list`', () => {
    expect(parsePdfImages(listing)).toEqual([
      { width: 12000, height: 12000 },
      { width: 640, height: 480 },
    ]);
    expect(parsePdfImages(listing.split('\n').slice(0, 2).join('\n'))).toEqual([]);
  });

  it('refuses a page drawing an image over the pixel limit, before anything decodes it', () => {
    expect(() => checkPdfImages(parsePdfImages(listing), 100_000_000)).toThrow(expect.objectContaining({ code: 'too_many_pixels' }));
    expect(() => checkPdfImages([{ width: 10_000, height: 10_000 }], 100_000_000)).not.toThrow();
  });
});
