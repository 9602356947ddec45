import { MediaRejectedError } from './media-job';

/** Pure half of PDF processing: reading `pdfinfo -f 1 -l 1` and the preview command. */

export interface PdfInfo {
  pages: number;
  /** First page in PDF points (1/72 in), rotation applied. */
  firstPage: { width: number; height: number } | null;
}

export function parsePdfInfo(text: string): PdfInfo {
  const pages = Number(/^Pages:\s+(\d+)\s*$/m.exec(text)?.[1]);
  if (!Number.isInteger(pages) || pages < 1) throw new MediaRejectedError('corrupt_file', 'the PDF has no pages');
  // pdfinfo prints large sizes in exponent form (`1e+06 x 1e+06 pts`).
  const size = /^Page\s+1 size:\s+([\d.e+-]+) x ([\d.e+-]+) pts/m.exec(text) ?? /^Page size:\s+([\d.e+-]+) x ([\d.e+-]+) pts/m.exec(text);
  const rotation = Number(/^Page\s+1 rot:\s+(-?\d+)/m.exec(text)?.[1] ?? 0);
  if (!size) return { pages, firstPage: null };
  const width = Number(size[1]);
  const height = Number(size[2]);
  if (!Number.isFinite(width) || !Number.isFinite(height)) return { pages, firstPage: null };
  return { pages, firstPage: Math.abs(rotation) % 180 === 90 ? { width: height, height: width } : { width, height } };
}

/** PDF's own implementation limit for a page side (200 in); anything larger is a rendering bomb, not a document. */
export const MAX_PAGE_POINTS = 14_400;

export function checkPdf(info: PdfInfo): void {
  const page = info.firstPage;
  if (page && (page.width > MAX_PAGE_POINTS || page.height > MAX_PAGE_POINTS)) {
    throw new MediaRejectedError('too_many_pixels', `a ${page.width}x${page.height} pt page exceeds the PDF page size limit of ${MAX_PAGE_POINTS} pt`);
  }
}

export const PREVIEW_BASENAME = 'preview';
export const PREVIEW_FILE = `${PREVIEW_BASENAME}.jpg`;
/** Long side of the first-page preview, in pixels: the resolution follows from it, whatever the page size. */
export const PREVIEW_LONG_SIDE = 1024;

export function pdfinfoArgs(inputPath: string): string[] {
  return ['-f', '1', '-l', '1', inputPath];
}

export function pdftoppmArgs(inputPath: string): string[] {
  return ['-f', '1', '-l', '1', '-singlefile', '-scale-to', String(PREVIEW_LONG_SIDE), '-jpeg', '-jpegopt', 'quality=85', inputPath, PREVIEW_BASENAME];
}

export function pdfimagesArgs(inputPath: string): string[] {
  return ['-list', '-f', '1', '-l', '1', inputPath];
}

/** Width and height of every image on the first page, from `pdfimages -list` (which decodes none of them). */
export function parsePdfImages(text: string): { width: number; height: number }[] {
  const images: { width: number; height: number }[] = [];
  for (const line of text.split('\n')) {
    // page num type width height ...
    const columns = line.trim().split(/\s+/);
    if (columns.length < 5 || !/^\d+$/.test(columns[0] ?? '')) continue;
    const width = Number(columns[3]);
    const height = Number(columns[4]);
    if (Number.isFinite(width) && Number.isFinite(height)) images.push({ width, height });
  }
  return images;
}

/**
 * A compression bomb hides a huge image in a small stream: rendering the page decodes all of it, however
 * small the preview. The photo pixel limit applies to every image the first page draws.
 */
export function checkPdfImages(images: readonly { width: number; height: number }[], maxPixels: number): void {
  for (const { width, height } of images) {
    if (width * height > maxPixels) {
      throw new MediaRejectedError('too_many_pixels', `the first page draws a ${width}x${height} image, more than the limit of ${maxPixels} pixels`);
    }
  }
}
