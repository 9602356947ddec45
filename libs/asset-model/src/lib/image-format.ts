import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Images on demand: the `{format}` segment of `GET /cdn/{file id}/{format}/{name}` (comma-separated
 * `w_`, `h_`, `q_`, `c_`, `fm_`, `s_` options), parsed once at the gateway and planned into concrete
 * output dimensions where the source's size is known (the renderer). Pure: no I/O, exhaustively specified.
 */

export const GRAVITIES = ['north', 'northeast', 'east', 'southeast', 'south', 'southwest', 'west', 'northwest', 'center', 'centre'] as const;
export type Gravity = (typeof GRAVITIES)[number];
/** `centre` and `center` are one gravity; the canonical spelling keeps them one stored variant. */
export type CanonicalGravity = Exclude<Gravity, 'centre'>;

export const IMAGE_OUTPUT_FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const;
export type ImageOutputFormat = (typeof IMAGE_OUTPUT_FORMATS)[number];

export const IMAGE_OUTPUT_MIME: Readonly<Record<ImageOutputFormat, string>> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** Stored types the renderer decodes (the encoder's photo allow-list); these carry `format_url`. */
export const RENDERABLE_IMAGE_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/heic', 'image/heif', 'image/avif'];

export function isRenderableImage(mimeType: string): boolean {
  return RENDERABLE_IMAGE_TYPES.includes(mimeType.split(';')[0].trim().toLowerCase());
}

/** The placeholder a client replaces in `format_url`. */
export const FORMAT_PLACEHOLDER = '{format}';

/** Quality when the request names none (a common default of libvips-based servers). */
export const DEFAULT_QUALITY = 80;

export interface FormatOptions {
  width?: number;
  height?: number;
  quality?: number;
  gravity: CanonicalGravity;
  format?: ImageOutputFormat;
  /** `s_<signature>`: checked by the gateway when signing is configured; not part of the variant. */
  signature?: string;
}

export type FormatErrorCode =
  | 'invalid_format'
  | 'unknown_format_option'
  | 'duplicate_format_option'
  | 'invalid_dimension'
  | 'dimension_too_large'
  | 'invalid_quality'
  | 'invalid_gravity'
  | 'unsupported_output_format';

export type FormatParse = { ok: true; options: FormatOptions } | { ok: false; code: FormatErrorCode; detail: string };

/** Bounds a `{format}` segment cannot exceed (whole characters, so a 10 KB segment is refused before splitting). */
const MAX_SEGMENT_LENGTH = 256;
const POSITIVE_INT = /^[1-9]\d{0,5}$/;
const OPTION = /^([a-z]+)_(.*)$/;

/** Parses a `{format}` segment; every refusal names its option so a client can fix it. */
export function parseFormatSegment(segment: string, bounds: { maxDimension: number }): FormatParse {
  if (segment.length === 0 || segment.length > MAX_SEGMENT_LENGTH) {
    return fail('invalid_format', `the format segment must be 1–${MAX_SEGMENT_LENGTH} characters of comma-separated options such as w_400,fm_webp`);
  }
  const seen = new Set<string>();
  const options: FormatOptions = { gravity: 'center' };
  for (const token of segment.split(',')) {
    const match = OPTION.exec(token);
    if (!match) return fail('invalid_format', `"${clip(token)}" is not an option: options look like w_400, h_300, q_80, c_north, fm_webp`);
    const [, key, value] = match;
    if (seen.has(key)) return fail('duplicate_format_option', `the option ${key}_ appears more than once`);
    seen.add(key);
    switch (key) {
      case 'w':
      case 'h': {
        if (!POSITIVE_INT.test(value)) return fail('invalid_dimension', `${key}_ must be a positive whole number of pixels, not "${clip(value)}"`);
        const pixels = Number(value);
        if (pixels > bounds.maxDimension) return fail('dimension_too_large', `${key}_${pixels} exceeds the largest allowed ${key === 'w' ? 'width' : 'height'} of ${bounds.maxDimension} pixels`);
        if (key === 'w') options.width = pixels;
        else options.height = pixels;
        break;
      }
      case 'q': {
        const quality = POSITIVE_INT.test(value) ? Number(value) : NaN;
        if (!(quality >= 1 && quality <= 100)) return fail('invalid_quality', `q_ must be a whole number from 1 to 100, not "${clip(value)}"`);
        options.quality = quality;
        break;
      }
      case 'c': {
        if (!(GRAVITIES as readonly string[]).includes(value)) return fail('invalid_gravity', `c_ must be one of ${GRAVITIES.join(', ')}, not "${clip(value)}"`);
        options.gravity = value === 'centre' ? 'center' : (value as CanonicalGravity);
        break;
      }
      case 'fm': {
        if (!(IMAGE_OUTPUT_FORMATS as readonly string[]).includes(value)) {
          return fail('unsupported_output_format', `fm_ must be one of ${IMAGE_OUTPUT_FORMATS.join(', ')}, not "${clip(value)}"`);
        }
        options.format = value as ImageOutputFormat;
        break;
      }
      case 's': {
        if (!/^[A-Za-z0-9_-]{16,128}$/.test(value)) return fail('invalid_format', 's_ must be a base64url signature');
        options.signature = value;
        break;
      }
      default:
        return fail('unknown_format_option', `${clip(key)}_ is not an option; use w_, h_, q_, c_, fm_`);
    }
  }
  return { ok: true, options };
}

/**
 * The format segment without its signature and in one fixed order: what is signed, and (with the
 * negotiated output format) what names the stored variant, so `h_1,w_2` and `w_2,h_1` are one variant.
 */
export function canonicalFormat(options: FormatOptions, format: ImageOutputFormat | undefined = options.format): string {
  const parts: string[] = [];
  if (options.width !== undefined) parts.push(`w_${options.width}`);
  if (options.height !== undefined) parts.push(`h_${options.height}`);
  parts.push(`q_${options.quality ?? DEFAULT_QUALITY}`);
  // Gravity matters only when both sides are given (a crop); otherwise it would split identical variants.
  if (options.width !== undefined && options.height !== undefined) parts.push(`c_${options.gravity}`);
  if (format) parts.push(`fm_${format}`);
  return parts.join(',');
}

/**
 * The best output the `Accept` header allows: AVIF, then WebP (both only when named, since a wildcard
 * says nothing about support), else the source's own family — PNG keeps transparency, JPEG everything else.
 */
export function negotiateFormat(accept: string | undefined, sourceMimeType: string): ImageOutputFormat {
  const accepted = new Set<string>();
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [type, ...params] = part.split(';').map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith('q='));
    if (q && !(Number(q.slice(2)) > 0)) continue;
    if (type) accepted.add(type);
  }
  if (accepted.has('image/avif')) return 'avif';
  if (accepted.has('image/webp')) return 'webp';
  const keepsAlpha = /^image\/(png|gif|webp|avif|tiff)/.test(sourceMimeType.toLowerCase());
  return keepsAlpha ? 'png' : 'jpeg';
}

export interface VariantPlan {
  width: number;
  height: number;
  /** `cover`: scale to fill width × height and crop the rest around the gravity; `inside`: scale only. */
  fit: 'cover' | 'inside';
  gravity: CanonicalGravity;
  quality: number;
  format: ImageOutputFormat;
}

/**
 * Output size from the options and the source's displayed size. Never upscales: a requested crop larger
 * than the source shrinks as a whole (its aspect ratio kept) until it fits; one side alone is capped at
 * the source's and the other follows the aspect ratio; no side keeps the source's size.
 */
export function planVariant(options: FormatOptions, format: ImageOutputFormat, source: { width: number; height: number }): VariantPlan {
  const quality = options.quality ?? DEFAULT_QUALITY;
  const { width: w, height: h } = options;
  const base = { gravity: options.gravity, quality, format };
  if (w !== undefined && h !== undefined) {
    const shrink = Math.min(1, source.width / w, source.height / h);
    return { ...base, fit: 'cover', width: Math.max(1, Math.round(w * shrink)), height: Math.max(1, Math.round(h * shrink)) };
  }
  if (w !== undefined) {
    const width = Math.min(w, source.width);
    return { ...base, fit: 'inside', width, height: Math.max(1, Math.round((source.height * width) / source.width)) };
  }
  if (h !== undefined) {
    const height = Math.min(h, source.height);
    return { ...base, fit: 'inside', height, width: Math.max(1, Math.round((source.width * height) / source.height)) };
  }
  return { ...base, fit: 'inside', width: source.width, height: source.height };
}

/** Image variants are stored under the id the gateway looks them up by: `var-` and a 64-hex hash. */
const VARIANT_STORAGE_ID = /^var-[0-9a-f]{64}$/;

/**
 * True for the storage id of an image variant. Variants are never listed in an asset's files (they are
 * a cache), so whoever decides what an asset references (storage's uploads guard, the garbage
 * collector's reference check) recognises them by their id.
 */
export function isVariantStorageId(id: string): boolean {
  return VARIANT_STORAGE_ID.test(id);
}

/** A stored file's `format_url`: its `/cdn` URL with the placeholder before the name. */
export function formatUrlOf(cdnUrl: string): string {
  const slash = cdnUrl.lastIndexOf('/');
  return `${cdnUrl.slice(0, slash)}/${FORMAT_PLACEHOLDER}${cdnUrl.slice(slash)}`;
}

/**
 * The `s_` signature of a format for one file, as imgproxy signs its paths: HMAC-SHA256 over
 * `<file id>/<canonical format>` with a server-side key, base64url, first 32 characters. Whoever holds the
 * key (a site's back end) can mint sizes; nobody else can fill the cache with random ones.
 */
export function signFormat(key: string, fileId: string, options: FormatOptions): string {
  return createHmac('sha256', key).update(`${fileId}/${canonicalFormat(options)}`).digest('base64url').slice(0, 32);
}

export function verifyFormatSignature(key: string, fileId: string, options: FormatOptions): boolean {
  if (!options.signature) return false;
  const expected = Buffer.from(signFormat(key, fileId, options));
  const given = Buffer.from(options.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function fail(code: FormatErrorCode, detail: string): FormatParse {
  return { ok: false, code, detail };
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
