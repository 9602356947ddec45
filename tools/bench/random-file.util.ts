import { createHash, randomFill } from 'node:crypto';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const fillRandom = promisify(randomFill);
const PIECE = 8 * 1024 * 1024;

/**
 * Writes `size` random bytes to `file` piece by piece (one 8 MiB buffer, never the whole file in memory)
 * and answers the hex SHA-256 of the whole file and of each requested prefix length, so uploads of the
 * file or of its first bytes can be checked against what the server reports without reading it again.
 */
export async function writeRandomFile(file: string, size: number, prefixes: readonly number[] = []): Promise<{ sha256: string; prefixSha256: Map<number, string> }> {
  const boundaries = [...new Set(prefixes.filter((length) => length > 0 && length < size))].sort((a, b) => a - b);
  const prefixSha256 = new Map<number, string>();
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(PIECE);
  const handle = await open(file, 'w');
  try {
    for (let offset = 0; offset < size; ) {
      // Pieces stop at every prefix boundary so a copy of the running hash there is that prefix's digest.
      const boundary = boundaries.find((length) => length > offset) ?? size;
      const length = Math.min(PIECE, boundary - offset, size - offset);
      const piece = buffer.subarray(0, length);
      await fillRandom(piece);
      const { bytesWritten } = await handle.write(piece, 0, length);
      if (bytesWritten !== length) throw new Error(`short write to ${file}: ${bytesWritten} of ${length} bytes`);
      hash.update(piece);
      offset += length;
      if (boundaries.includes(offset)) prefixSha256.set(offset, hash.copy().digest('hex'));
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), prefixSha256 };
}
