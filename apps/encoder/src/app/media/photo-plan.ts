import { MediaRejectedError } from './media-job';

/** Pure half of photo processing: header checks, displayed size, thumbnail widths. */

export interface PhotoHeader {
  format: string | undefined;
  width: number | undefined;
  height: number | undefined;
  /** EXIF orientation 1–8; 5–8 are quarter turns. */
  orientation: number;
}

/** Decoders allowed for photos (no SVG: it may reference other files; no PDF, no ImageMagick fallbacks). */
export const PHOTO_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'];

export const THUMBNAIL_WIDTHS: readonly number[] = [320, 640, 1280];

/** Displayed width and height, or a MediaRejectedError — decided from the header, before any pixel is decoded. */
export function checkPhotoHeader(header: PhotoHeader, maxPixels: number): { width: number; height: number } {
  if (!header.format || !PHOTO_FORMATS.includes(header.format)) {
    throw new MediaRejectedError('unsupported_format', `photos in ${header.format ?? 'this'} format are not processed`);
  }
  const { width = 0, height = 0 } = header;
  if (width <= 0 || height <= 0) throw new MediaRejectedError('corrupt_file', 'the image header has no size');
  if (width * height > maxPixels) {
    throw new MediaRejectedError('too_many_pixels', `a ${width}x${height} image exceeds the pixel limit of ${maxPixels}`);
  }
  const quarterTurn = header.orientation >= 5 && header.orientation <= 8;
  return quarterTurn ? { width: height, height: width } : { width, height };
}

/** Thumbnail widths never wider than the photo; a photo narrower than the smallest gets one at its own width. */
export function thumbnailWidths(displayedWidth: number, widths: readonly number[] = THUMBNAIL_WIDTHS): number[] {
  const fitting = widths.filter((width) => width <= displayedWidth);
  return fitting.length > 0 ? fitting : [displayedWidth];
}

export function thumbnailFile(width: number): string {
  return `thumb-${width}.webp`;
}
