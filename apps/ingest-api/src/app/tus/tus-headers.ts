import { DomainError } from '@media/service-kit';

/** The one protocol version served; a client asking for another is answered 412 with the ones we have. */
export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'expiration', 'checksum', 'termination'] as const;
export const TUS_CHECKSUM_ALGORITHMS = ['sha256'] as const;
/** The body type of PATCH and of creation-with-upload. */
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';

/** What a browser may read from a cross-origin answer; without this a tus client cannot see its offsets. */
export const TUS_EXPOSED_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Expires',
  'Upload-Metadata',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
] as const;

/** What a browser may send cross-origin (tus-js-client and Uppy send all of these). */
export const TUS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Offset',
  'Upload-Checksum',
  'Upload-Defer-Length',
  'Upload-Concat',
  'X-HTTP-Method-Override',
  'X-Requested-With',
] as const;

const tusProblem = (status: number, code: string, title: string, detail: string, headers: Record<string, string> = {}) =>
  new DomainError(status, code, title, detail, {}, headers);

/** `Tus-Resumable` must name the version we speak (every request but OPTIONS). */
export function assertTusResumable(header: string | undefined): void {
  if (header === TUS_VERSION) return;
  throw tusProblem(
    412,
    'tus_version_unsupported',
    'Unsupported tus version',
    header === undefined ? `the Tus-Resumable header is required (${TUS_VERSION})` : `Tus-Resumable ${header.slice(0, 32)} is not supported; use ${TUS_VERSION}`,
    { 'Tus-Version': TUS_VERSION },
  );
}

/** A non-negative whole number of bytes, as `Upload-Offset` and `Upload-Length` carry it. */
function byteCount(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header.trim())) return undefined;
  const value = Number(header.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `Upload-Length` of a creation; a deferred length is not offered (the size bounds the upload from the start). */
export function parseUploadLength(header: string | undefined, deferLength: string | undefined): number {
  if (header === undefined && deferLength !== undefined) {
    throw tusProblem(400, 'upload_length_required', 'Upload-Length required', 'deferred lengths are not supported; send Upload-Length');
  }
  const length = byteCount(header);
  if (length === undefined) throw tusProblem(400, 'invalid_upload_length', 'Invalid Upload-Length', 'Upload-Length must be a whole number of bytes');
  return length;
}

/** `Upload-Offset` of a PATCH: where the client believes the upload stands. */
export function parseUploadOffset(header: string | undefined): number {
  const offset = byteCount(header);
  if (offset === undefined) throw tusProblem(400, 'invalid_upload_offset', 'Invalid Upload-Offset', 'Upload-Offset must be a whole number of bytes');
  return offset;
}

/** The keys of `Upload-Metadata` this server reads; others are ignored, as the protocol asks. */
export interface TusMetadata {
  filename?: string;
  filetype?: string;
  name?: string;
  label?: string;
}
const KNOWN_KEYS = new Set<keyof TusMetadata>(['filename', 'filetype', 'name', 'label']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `Upload-Metadata`: comma-separated `key base64(value)` pairs, a value optional. Keys must be unique and
 * free of spaces and commas; values must be base64 of UTF-8 text. A malformed header is a 400, not ignored,
 * so a client bug shows at once instead of as an asset without a name.
 */
export function parseUploadMetadata(header: string | undefined): TusMetadata {
  const metadata: TusMetadata = {};
  if (header === undefined || header.trim() === '') return metadata;
  const seen = new Set<string>();
  for (const pair of header.split(',')) {
    const parts = pair.trim().split(' ');
    const [key, value] = parts;
    if (!key || parts.length > 2 || seen.has(key) || (value !== undefined && (!BASE64.test(value) || value.length % 4 !== 0))) {
      throw tusProblem(400, 'invalid_upload_metadata', 'Invalid Upload-Metadata', 'Upload-Metadata is comma-separated "key base64value" pairs with unique keys');
    }
    seen.add(key);
    if (!KNOWN_KEYS.has(key as keyof TusMetadata) || value === undefined) continue;
    const decoded = Buffer.from(value, 'base64');
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    try {
      metadata[key as keyof TusMetadata] = text.decode(decoded);
    } catch {
      throw tusProblem(400, 'invalid_upload_metadata', 'Invalid Upload-Metadata', `the value of "${key}" is not UTF-8 text`);
    }
  }
  return metadata;
}

/**
 * `Upload-Checksum: <algorithm> <base64 digest>`: the base64 SHA-256 of the PATCH body, or undefined when
 * absent. Another algorithm is a 400 (the protocol's answer for one the server does not support).
 */
export function parseUploadChecksum(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!match) throw tusProblem(400, 'invalid_upload_checksum', 'Invalid Upload-Checksum', 'Upload-Checksum is "sha256 <base64 digest>"');
  if (match[1].toLowerCase() !== 'sha256') {
    throw tusProblem(400, 'unsupported_checksum_algorithm', 'Unsupported checksum algorithm', `only ${TUS_CHECKSUM_ALGORITHMS.join(', ')} is supported`);
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(match[2])) {
    throw tusProblem(400, 'invalid_upload_checksum', 'Invalid Upload-Checksum', 'a sha256 digest is 32 bytes, 44 characters of base64');
  }
  return match[2];
}

/** `Upload-Expires` is an HTTP date (RFC 9110 IMF-fixdate). */
export function uploadExpires(expiresAt: number): string {
  return new Date(expiresAt).toUTCString();
}

/** The headers OPTIONS advertises: what the server speaks and how large an upload may be. */
export function tusCapabilities(maxSize: number): Record<string, string> {
  return {
    'Tus-Version': TUS_VERSION,
    'Tus-Extension': TUS_EXTENSIONS.join(','),
    'Tus-Max-Size': String(maxSize),
    'Tus-Checksum-Algorithm': TUS_CHECKSUM_ALGORITHMS.join(','),
  };
}

/** The upload's URL: a tus client resumes from it, so it is absolute and on the public origin. */
export function tusLocation(publicBaseUrl: string, assetId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/tus/${assetId}`;
}
