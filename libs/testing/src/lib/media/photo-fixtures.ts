import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/**
 * A JPEG stored sideways: `width`×`height` pixels as encoded, with an EXIF orientation that tells
 * viewers to turn it (6 = 90° clockwise), so it is displayed `height`×`width`.
 */
export async function makeRotatedPhoto(
  dir: string,
  { width = 800, height = 600, orientation = 6, name = 'rotated.jpg' }: { width?: number; height?: number; orientation?: number; name?: string } = {},
): Promise<string> {
  const file = path.join(dir, name);
  // A gradient, not a flat colour, so the encoder has something to encode.
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg().withMetadata({ orientation }).toFile(file);
  return file;
}

/**
 * A decompression bomb: a valid PNG header declaring `width`×`height` (60000×60000 = 3.6 gigapixels by
 * default) followed by one tiny compressed row. Tiny on disk; a decoder that trusts it allocates ~10 GiB.
 */
export async function makePngBomb(dir: string, { width = 60_000, height = 60_000, name = 'bomb.png' } = {}): Promise<string> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method quirks, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]); // zlib of one zero byte
  const file = path.join(dir, name);
  await writeFile(file, Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]));
  return file;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** The first `fraction` of a valid file: a JPEG cut off mid-scan (header intact, pixels missing). */
export async function truncateFile(source: string, { fraction = 0.5, name }: { fraction?: number; name?: string } = {}): Promise<string> {
  const bytes = await readFile(source);
  const file = path.join(path.dirname(source), name ?? `truncated-${path.basename(source)}`);
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return file;
}

/** Red, green, blue: the colours of the three bands of `makeBandedImage`, first to last. */
export const BAND_COLOURS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
] as const;

/**
 * Three flat colour bands (red, green, blue) side by side (`across`) or stacked (`down`), each
 * `band`×`band` pixels: a crop to one band's size shows by its colour which part the gravity kept.
 */
export async function makeBandedImage({ direction, band = 200, format = 'png' }: { direction: 'across' | 'down'; band?: number; format?: 'png' | 'jpeg' }): Promise<Buffer> {
  const width = direction === 'across' ? band * 3 : band;
  const height = direction === 'across' ? band : band * 3;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(BAND_COLOURS[Math.floor((direction === 'across' ? x : y) / band)], (y * width + x) * 3);
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return (format === 'png' ? image.png() : image.jpeg({ quality: 95 })).toBuffer();
}

/** Which band colour the pixel at the image's centre is closest to (0 red, 1 green, 2 blue). */
export async function centreBand(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  const pixel = [data[offset], data[offset + 1], data[offset + 2]];
  const distance = (colour: readonly number[]) => colour.reduce((sum, value, i) => sum + (value - pixel[i]) ** 2, 0);
  return BAND_COLOURS.map(distance).reduce((best, d, i, all) => (d < all[best] ? i : best), 0);
}
