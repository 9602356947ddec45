/** Which chunk documents hold bytes `start..end` (inclusive) of a file, and how much of the first to skip. */
export interface ChunkSpan {
  firstN: number;
  lastN: number;
  /** Bytes of chunk `firstN` before `start`. */
  skip: number;
  /** Bytes to hand out in all (`end - start + 1`). */
  take: number;
}

export function chunkSpan(length: number, chunkSize: number, range?: { start: number; end: number }): ChunkSpan | null {
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? length - 1, length - 1);
  if (length === 0 || start > end) return null;
  return { firstN: Math.floor(start / chunkSize), lastN: Math.floor(end / chunkSize), skip: start % chunkSize, take: end - start + 1 };
}

/** The size chunk `n` of a file must have: full, except a short last one. */
export function expectedChunkLength(length: number, chunkSize: number, n: number): number {
  return Math.max(0, Math.min(chunkSize, length - n * chunkSize));
}

/** The chunk documents a short range read fetches before its file is known (see `prefetchableChunks`). */
export interface ChunkPrefetch {
  firstN: number;
  lastN: number;
}

/**
 * The chunks `bytes=start-end` covers, when they can be fetched in the same moment as the file lookup:
 * a single range with both ends given (no other form says where it is without the file's length), of at
 * most `maxChunks` chunks of `chunkSize`, and no validator that might turn the answer into a 304 or a
 * whole file. The caller uses them only once the file is found, is the caller's, has that chunk size and
 * the range it then decides starts in the same chunk; otherwise they are dropped and read as usual.
 */
export function prefetchableChunks(
  headers: { range?: string | undefined; ifNoneMatch?: string | undefined; ifRange?: string | undefined },
  chunkSize: number,
  maxChunks: number,
): ChunkPrefetch | null {
  if (headers.range === undefined || headers.ifNoneMatch !== undefined || headers.ifRange !== undefined) return null;
  const bounded = /^\s*bytes\s*=\s*(\d{1,15})-(\d{1,15})\s*$/i.exec(headers.range);
  if (!bounded) return null;
  const start = Number(bounded[1]);
  const end = Number(bounded[2]);
  if (end < start) return null;
  const firstN = Math.floor(start / chunkSize);
  const lastN = Math.floor(end / chunkSize);
  return lastN - firstN < maxChunks ? { firstN, lastN } : null;
}
