import { type ChunkBatch, ChunkBatcher, planCompletion, planTransfer } from './chunk-layout.util';

const CS = 262_144;

describe('planTransfer', () => {
  it.each([
    // [label, offset, length, firstN, carried, fromN, toN, tailOffset, tailLength, tailN]
    ['a first transfer of exactly one chunk', 0, CS, 0, 0, 0, 1, CS, 0, 1],
    ['a first transfer shorter than a chunk', 0, 100_000, 0, 0, 0, 0, 100_000, 100_000, 0],
    ['a first transfer of one byte', 0, 1, 0, 0, 0, 0, 1, 1, 0],
    ['one byte that completes a chunk', CS - 1, 1, 0, CS - 1, 0, 1, CS, 0, 1],
    ['one byte right after a boundary', CS, 1, 1, 0, 1, 1, CS + 1, 1, 1],
    ['one byte just before a boundary', CS - 2, 1, 0, CS - 2, 0, 0, CS - 1, CS - 1, 0],
    ['a transfer starting on a boundary, crossing one', CS, 300_000, 1, 0, 1, 2, CS + 300_000, 300_000 - CS, 2],
    ['a transfer starting mid-chunk, not reaching the boundary', 100_000, 100_000, 0, 100_000, 0, 0, 200_000, 200_000, 0],
    ['a transfer starting mid-chunk, crossing two boundaries', 100_000, 600_000, 0, 100_000, 0, 2, 700_000, 700_000 - 2 * CS, 2],
    ['a transfer starting mid-chunk, ending on a boundary', 100_000, 3 * CS - 100_000, 0, 100_000, 0, 3, 3 * CS, 0, 3],
    ['an empty transfer mid-chunk', 5, 0, 0, 5, 0, 0, 5, 5, 0],
    ['10 MiB after 300 000 bytes', 300_000, 10 * 1024 * 1024, 1, 300_000 - CS, 1, 41, 300_000 + 10 * 1024 * 1024, 300_000 + 10 * 1024 * 1024 - 41 * CS, 41],
  ])('%s', (_, offset, length, firstN, carried, fromN, toN, tailOffset, tailLength, tailN) => {
    expect(planTransfer(offset, length, CS)).toEqual({
      firstN,
      carriedBytes: carried,
      writes: { fromN, toN },
      tail: { offset: tailOffset, length: tailLength, n: tailN },
    });
  });

  it('chains: every byte of a file sent in uneven transfers lands in exactly one chunk or tail', () => {
    const sizes = [1, 100_000, 300_000, 10 * 1024 * 1024, 7, CS, CS - 1, 2];
    const written: number[] = [];
    let offset = 0;
    for (const size of sizes) {
      const plan = planTransfer(offset, size, CS);
      expect(plan.carriedBytes).toBe(offset % CS);
      for (let n = plan.writes.fromN; n < plan.writes.toN; n += 1) written.push(n);
      offset = plan.tail.offset;
    }
    const completion = planCompletion(offset, CS);
    const all = completion.tailChunk ? [...written, completion.tailChunk.n] : written;
    expect(all).toEqual(Array.from({ length: completion.chunkCount }, (_, n) => n));
  });

  it.each([
    [-1, 1, CS],
    [0, -1, CS],
    [0.5, 1, CS],
    [0, 1, 0],
    [Number.MAX_SAFE_INTEGER + 1, 0, CS],
  ])('refuses offset %p, length %p, chunk size %p', (offset, length, chunkSize) => {
    expect(() => planTransfer(offset, length, chunkSize)).toThrow(RangeError);
  });
});

describe('planCompletion', () => {
  it.each([
    ['an empty file', 0, 0, null, null],
    ['one byte', 1, 1, null, { n: 0, length: 1 }],
    ['one byte less than a chunk', CS - 1, 1, null, { n: 0, length: CS - 1 }],
    ['exactly one chunk', CS, 1, 0, null],
    ['one byte more than a chunk', CS + 1, 2, 0, { n: 1, length: 1 }],
    ['64 MiB', 64 * 1024 * 1024, 256, 255, null],
    ['10 MiB and 3 bytes', 10 * 1024 * 1024 + 3, 41, 39, { n: 40, length: 3 }],
  ])('%s', (_, length, chunkCount, lastTransferredN, tailChunk) => {
    expect(planCompletion(length, CS)).toEqual({ chunkCount, lastTransferredN, tailChunk });
  });
});

describe('ChunkBatcher', () => {
  const cs = 8;
  const bytes = (from: number, count: number): Uint8Array => Uint8Array.from({ length: count }, (_, i) => (from + i) % 256);
  type Out = { n: number; data: number[] }[];

  /** Feeds every piece, copying each batch's chunks out as the one writer at a time would store them. */
  function feed(batcher: ChunkBatcher, pieces: Uint8Array[], out: Out = []): Out {
    for (const piece of pieces) for (const batch of batcher.accept(piece)) out.push(...flatten(batch));
    return out;
  }
  const flatten = (batch: ChunkBatch): Out => batch.chunks.map((chunk, i) => ({ n: batch.firstN + i, data: [...chunk] }));

  it('cuts pieces of any size into batches of whole chunks and keeps the rest as the tail', () => {
    const batcher = new ChunkBatcher(cs, 2, 0);
    const chunks = feed(batcher, [bytes(0, 3), bytes(3, 1), bytes(4, 13), bytes(17, 10)]);
    expect(chunks).toEqual([
      { n: 0, data: [...bytes(0, 8)] },
      { n: 1, data: [...bytes(8, 8)] },
    ]);
    chunks.push(...flatten(batcher.drain()));
    expect(chunks.at(-1)).toEqual({ n: 2, data: [...bytes(16, 8)] });
    expect([...batcher.tail()]).toEqual([...bytes(24, 3)]);
    expect([...batcher.tailView()]).toEqual([...bytes(24, 3)]);
    expect(batcher.tailN).toBe(3);
  });

  it('prepends the saved tail to the first chunk and numbers chunks from firstN', () => {
    const batcher = new ChunkBatcher(cs, 3, 5, bytes(40, 6));
    const chunks = feed(batcher, [bytes(46, 1), bytes(47, 1), bytes(48, 8)]);
    expect(chunks).toEqual([]);
    expect(flatten(batcher.drain())).toEqual([
      { n: 5, data: [...bytes(40, 8)] },
      { n: 6, data: [...bytes(48, 8)] },
    ]);
    expect(batcher.tail()).toHaveLength(0);
    expect(batcher.tailN).toBe(7);
  });

  it('agrees with planTransfer for one-byte pieces at every starting offset, whatever the batch size', () => {
    for (const perBatch of [1, 2, 5]) {
      for (let offset = 0; offset < 3 * cs; offset += 1) {
        const length = 4 * cs + 3;
        const plan = planTransfer(offset, length, cs);
        const batcher = new ChunkBatcher(cs, perBatch, plan.firstN, bytes(offset - plan.carriedBytes, plan.carriedBytes));
        const chunks = feed(
          batcher,
          Array.from({ length }, (_, i) => bytes(offset + i, 1)),
        );
        chunks.push(...flatten(batcher.drain()));
        expect(chunks.map((chunk) => chunk.n)).toEqual(Array.from({ length: plan.writes.toN - plan.writes.fromN }, (_, i) => plan.writes.fromN + i));
        for (const chunk of chunks) expect(chunk.data).toEqual([...bytes(chunk.n * cs, cs)]);
        expect(batcher.tailN).toBe(plan.tail.n);
        expect([...batcher.tail()]).toEqual([...bytes(plan.tail.offset - plan.tail.length, plan.tail.length)]);
      }
    }
  });

  it('keeps a batch intact while the next one fills: the two buffers alternate', () => {
    const batcher = new ChunkBatcher(cs, 1, 0);
    const batches = [...batcher.accept(bytes(0, 2 * cs))];
    // Both batches were handed out in one go; the first one is in the other buffer, untouched by the second.
    expect(batches.map((batch) => [...(batch.chunks[0] ?? [])])).toEqual([[...bytes(0, cs)], [...bytes(cs, cs)]]);
  });

  it('returns a tail that is a copy, not a view of a reused buffer', () => {
    const batcher = new ChunkBatcher(cs, 1, 0);
    feed(batcher, [bytes(0, 3)]);
    const tail = batcher.tail();
    feed(batcher, [bytes(100, 16)]);
    expect([...tail]).toEqual([...bytes(0, 3)]);
  });

  it('refuses a head of a whole chunk or more, and an empty batch', () => {
    expect(() => new ChunkBatcher(cs, 1, 0, bytes(0, cs))).toThrow(RangeError);
    expect(() => new ChunkBatcher(cs, 0, 0)).toThrow(RangeError);
  });
});
