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
