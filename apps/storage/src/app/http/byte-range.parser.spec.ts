import { parseRangeHeader } from './byte-range.parser';

const LENGTH = 1000;

describe('parseRangeHeader', () => {
  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=0-499', 0, 499],
    ['bytes=500-999', 500, 999],
    ['bytes=500-5000', 500, 999], // the last position is clamped to the end
    ['bytes=999-', 999, 999],
    ['bytes=0-', 0, 999],
    ['bytes=-1', 999, 999],
    ['bytes=-500', 500, 999],
    ['bytes=-1000', 0, 999],
    ['bytes=-5000', 0, 999], // a suffix longer than the file is the whole file
    ['BYTES=10-20', 10, 20], // the unit is case-insensitive
    ['  bytes = 10-20  ', 10, 20],
    ['bytes=10-20,', 10, 20], // an empty list element
    ['bytes=, 10-20', 10, 20],
    ['bytes=0-99999999999999999999', 0, 999],
  ])('%p is the partial range %d-%d', (header, start, end) => {
    expect(parseRangeHeader(header, LENGTH)).toEqual({ kind: 'partial', start, end });
  });

  it('serves a range across a chunk boundary of a bigger file', () => {
    expect(parseRangeHeader('bytes=262143-262144', 1_000_000)).toEqual({ kind: 'partial', start: 262_143, end: 262_144 });
  });

  it.each([
    ['bytes=1000-', LENGTH],
    ['bytes=1000-1001', LENGTH],
    ['bytes=5000-6000', LENGTH],
    ['bytes=99999999999999999999-', LENGTH],
    ['bytes=-0', LENGTH],
    ['bytes=0-', 0],
    ['bytes=-1', 0],
  ])('%s is unsatisfiable on a file of %d bytes', (header, length) => {
    expect(parseRangeHeader(header, length)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another unit', 'items=0-1'],
    ['no equals sign', 'bytes 0-1'],
    ['no range', 'bytes='],
    ['a lone dash', 'bytes=-'],
    ['a last position before the first', 'bytes=20-10'],
    ['a negative first position', 'bytes=-5-10'],
    ['letters', 'bytes=a-b'],
    ['a decimal', 'bytes=1.5-2'],
    ['spaces inside the spec', 'bytes=1 - 2'],
    ['several ranges (answered with the whole file)', 'bytes=0-1,5-6'],
    ['several suffix ranges', 'bytes=-1,-2'],
    ['a range list with an unsatisfiable member', 'bytes=0-1,5000-6000'],
  ])('%s means the whole file', (_, header) => {
    expect(parseRangeHeader(header, LENGTH)).toEqual({ kind: 'full' });
  });
});
