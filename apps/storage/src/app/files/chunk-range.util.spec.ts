import { chunkSpan, expectedChunkLength, prefetchableChunks } from './chunk-range.util';

describe('chunkSpan', () => {
  const cs = 10;

  it.each([
    ['the whole file', 25, undefined, { firstN: 0, lastN: 2, skip: 0, take: 25 }],
    ['a range inside one chunk', 25, { start: 12, end: 15 }, { firstN: 1, lastN: 1, skip: 2, take: 4 }],
    ['a range across chunk boundaries', 25, { start: 9, end: 20 }, { firstN: 0, lastN: 2, skip: 9, take: 12 }],
    ['the last byte', 25, { start: 24, end: 24 }, { firstN: 2, lastN: 2, skip: 4, take: 1 }],
    ['an end past the file, clamped', 25, { start: 20, end: 99 }, { firstN: 2, lastN: 2, skip: 0, take: 5 }],
    ['a file ending on a boundary', 20, undefined, { firstN: 0, lastN: 1, skip: 0, take: 20 }],
  ])('%s', (_, length, range, span) => {
    expect(chunkSpan(length, cs, range)).toEqual(span);
  });

  it('has nothing to read in an empty file or an empty range', () => {
    expect(chunkSpan(0, cs)).toBeNull();
    expect(chunkSpan(25, cs, { start: 30, end: 40 })).toBeNull();
  });

  it('covers every byte exactly once for every range of a small file', () => {
    const length = 37;
    for (let start = 0; start < length; start += 1) {
      for (let end = start; end < length; end += 1) {
        const span = chunkSpan(length, cs, { start, end });
        if (!span) throw new Error('expected a span');
        let covered = 0;
        for (let n = span.firstN; n <= span.lastN; n += 1) covered += expectedChunkLength(length, cs, n);
        expect(covered - span.skip - (span.lastN * cs + expectedChunkLength(length, cs, span.lastN) - 1 - end)).toBe(span.take);
      }
    }
  });
});

describe('expectedChunkLength', () => {
  it('is the chunk size up to a short last chunk, and 0 past the end', () => {
    expect([0, 1, 2, 3].map((n) => expectedChunkLength(25, 10, n))).toEqual([10, 10, 5, 0]);
  });
});

describe('prefetchableChunks', () => {
  const cs = 10;

  it.each([
    ['a range inside one chunk', { range: 'bytes=12-15' }, { firstN: 1, lastN: 1 }],
    ['a range across chunks, at most the limit', { range: 'bytes=5-39' }, { firstN: 0, lastN: 3 }],
    ['any case and spaces around the unit', { range: ' Bytes = 20-29 ' }, { firstN: 2, lastN: 2 }],
  ])('fetches %s', (_, headers, span) => {
    expect(prefetchableChunks(headers, cs, 4)).toEqual(span);
  });

  it.each([
    ['no range', {}],
    ['more chunks than the limit', { range: 'bytes=5-40' }],
    ['an open range (needs the length)', { range: 'bytes=10-' }],
    ['a suffix (needs the length)', { range: 'bytes=-10' }],
    ['several ranges', { range: 'bytes=0-1,5-6' }],
    ['an invalid range', { range: 'bytes=9-3' }],
    ['another unit', { range: 'items=0-1' }],
    ['If-None-Match (may be a 304)', { range: 'bytes=0-1', ifNoneMatch: '"x"' }],
    ['If-Range (may be the whole file)', { range: 'bytes=0-1', ifRange: '"x"' }],
  ])('fetches nothing early for %s', (_, headers) => {
    expect(prefetchableChunks(headers, cs, 4)).toBeNull();
  });
});
