/**
 * The one `Range` a download honours (RFC 9110 §14). Anything we do not serve as a single range — no
 * header, another unit, bad syntax, several ranges — is answered with the whole representation, which
 * the RFC allows; only a well-formed single range that misses the file is unsatisfiable (416).
 */
export type RangeSelection =
  | { kind: 'full' }
  /** `start` and `end` are inclusive byte positions inside the file, as in `Content-Range`. */
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const FULL: RangeSelection = { kind: 'full' };
const UNSATISFIABLE: RangeSelection = { kind: 'unsatisfiable' };

export function parseRangeHeader(header: string | undefined, length: number): RangeSelection {
  if (header === undefined) return FULL;
  const unitAndSet = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=(.*)$/.exec(header);
  if (!unitAndSet || unitAndSet[1]?.toLowerCase() !== 'bytes') return FULL;
  // Empty list elements are allowed by the list syntax (`bytes=0-1,`); they carry no range.
  const specs = (unitAndSet[2] ?? '').split(',').map((spec) => spec.trim()).filter((spec) => spec !== '');
  if (specs.length !== 1) return FULL;
  const spec = specs[0] ?? '';

  const suffix = /^-(\d+)$/.exec(spec);
  if (suffix) {
    const count = Number(suffix[1]);
    if (count === 0 || length === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, length - count), end: length - 1 };
  }

  const bounded = /^(\d+)-(\d*)$/.exec(spec);
  if (!bounded) return FULL;
  const start = Number(bounded[1]);
  const last = bounded[2] === '' ? Number.POSITIVE_INFINITY : Number(bounded[2]);
  if (last < start) return FULL; // an invalid range-spec: the header is ignored, not refused
  if (start >= length) return UNSATISFIABLE;
  return { kind: 'partial', start, end: Math.min(last, length - 1) };
}
