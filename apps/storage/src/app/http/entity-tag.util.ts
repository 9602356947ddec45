import { storedFileEntityTag } from '@media/internal-api';

/**
 * Strong validators for stored files. A GridFS file never changes after it is written, so its id alone
 * would do; the content hash is part of the tag so two copies of the same bytes are recognisable and a
 * tag can never survive a rewrite under the same id.
 */
export function entityTag(fileId: string, sha256: string | null, fallback: { length: number; uploadDate: Date }): string {
  // Files written before their hash was recorded (a crash between write and update) still get a stable tag.
  const version = sha256 ?? `${fallback.length.toString(36)}.${fallback.uploadDate.getTime().toString(36)}`;
  // One definition with the renderer, which tags a variant's first answer before storage has it.
  return storedFileEntityTag(fileId, version);
}

const ENTITY_TAG = /(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g;

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored, `*` matches anything. */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = stripWeak(etag);
  return (header.match(ENTITY_TAG) ?? []).some((candidate) => stripWeak(candidate) === opaque);
}

/** `If-Range` uses the strong comparison: only an identical, non-weak tag keeps the range. */
export function ifRangeMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  return header.trim() === etag && !etag.startsWith('W/');
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
