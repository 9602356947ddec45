/**
 * Reads `n` and `data` out of a raw BSON `fs.chunks` document without deserializing it: `data` comes
 * back as a view of the document's own bytes, so a download copies nothing between the socket the
 * driver read and the one we write. Any document this walker does not understand is reported as such,
 * and the caller falls back to the driver's deserializer; it never guesses.
 */
export interface ChunkData {
  n: number;
  data: Buffer;
}

/** BSON element types and the fixed size of their value; variable-sized ones are handled in the walker. */
const FIXED_SIZE: Record<number, number> = {
  0x01: 8, // double
  0x07: 12, // ObjectId
  0x08: 1, // boolean
  0x09: 8, // UTC datetime
  0x0a: 0, // null
  0x10: 4, // int32
  0x11: 8, // timestamp
  0x12: 8, // int64
  0x13: 16, // decimal128
};

export class UnreadableChunkError extends Error {
  constructor(reason: string) {
    super(`unreadable chunk document: ${reason}`);
    this.name = 'UnreadableChunkError';
  }
}

export function parseChunkDocument(raw: Buffer): ChunkData {
  if (raw.length < 5) throw new UnreadableChunkError('shorter than a document');
  const size = raw.readInt32LE(0);
  if (size !== raw.length || raw[size - 1] !== 0) throw new UnreadableChunkError('size does not match');
  let position = 4;
  let n: number | undefined;
  let data: Buffer | undefined;
  while (position < size - 1) {
    const type = raw[position] as number;
    const nameEnd = raw.indexOf(0, position + 1);
    if (nameEnd < 0 || nameEnd >= size - 1) throw new UnreadableChunkError('unterminated field name');
    const name = raw.toString('latin1', position + 1, nameEnd);
    const value = nameEnd + 1;
    let next: number;
    if (type === 0x02 || type === 0x0d || type === 0x0e) {
      // string, JavaScript code, symbol: int32 length (with its terminating 0), then the bytes
      next = value + 4 + readLength(raw, value);
    } else if (type === 0x03 || type === 0x04) {
      next = value + readLength(raw, value);
    } else if (type === 0x05) {
      const length = readLength(raw, value);
      const subtype = raw[value + 4];
      let start = value + 5;
      const end = start + length;
      // The old binary subtype repeats the length inside the value.
      if (subtype === 0x02) start += 4;
      if (end > size - 1 || start > end) throw new UnreadableChunkError('binary runs past the document');
      if (name === 'data') data = raw.subarray(start, end);
      next = end;
    } else if (FIXED_SIZE[type] !== undefined) {
      next = value + (FIXED_SIZE[type] as number);
      if (name === 'n') n = numberAt(raw, type, value);
    } else {
      throw new UnreadableChunkError(`field type 0x${type.toString(16)}`);
    }
    if (next > size - 1) throw new UnreadableChunkError(`field "${name}" runs past the document`);
    position = next;
  }
  if (n === undefined) throw new UnreadableChunkError('no numeric "n"');
  if (data === undefined) throw new UnreadableChunkError('no binary "data"');
  return { n, data };
}

function readLength(raw: Buffer, at: number): number {
  if (at + 4 > raw.length) throw new UnreadableChunkError('length runs past the document');
  const length = raw.readInt32LE(at);
  if (length < 0) throw new UnreadableChunkError('negative length');
  return length;
}

function numberAt(raw: Buffer, type: number, at: number): number | undefined {
  if (type === 0x10) return raw.readInt32LE(at);
  if (type === 0x12) return Number(raw.readBigInt64LE(at));
  if (type === 0x01) return raw.readDoubleLE(at);
  return undefined;
}
