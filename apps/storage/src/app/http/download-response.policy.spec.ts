import { contentRange, decideDownload, unsatisfiedContentRange } from './download-response.policy';

const file = { length: 1000, etag: '"f-1"' };

describe('decideDownload', () => {
  it('serves the whole file without conditions', () => {
    expect(decideDownload(file, {})).toEqual({ kind: 'full' });
  });

  it('answers 304 when If-None-Match names the tag, even with a Range', () => {
    expect(decideDownload(file, { ifNoneMatch: '"f-1"', range: 'bytes=0-1' })).toEqual({ kind: 'not_modified' });
    expect(decideDownload(file, { ifNoneMatch: '*' })).toEqual({ kind: 'not_modified' });
  });

  it('serves the range when If-None-Match names another tag', () => {
    expect(decideDownload(file, { ifNoneMatch: '"f-0"', range: 'bytes=0-1' })).toEqual({ kind: 'partial', start: 0, end: 1 });
  });

  it('honours the range when If-Range names this representation', () => {
    expect(decideDownload(file, { range: 'bytes=-10', ifRange: '"f-1"' })).toEqual({ kind: 'partial', start: 990, end: 999 });
  });

  it('sends the whole file when If-Range names another representation or a date', () => {
    expect(decideDownload(file, { range: 'bytes=-10', ifRange: '"f-0"' })).toEqual({ kind: 'full' });
    expect(decideDownload(file, { range: 'bytes=-10', ifRange: 'Wed, 21 Oct 2015 07:28:00 GMT' })).toEqual({ kind: 'full' });
  });

  it('reports an unsatisfiable range', () => {
    expect(decideDownload(file, { range: 'bytes=1000-' })).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('Content-Range values', () => {
  it('spell a satisfied and an unsatisfied range', () => {
    expect(contentRange({ start: 0, end: 499 }, 1000)).toBe('bytes 0-499/1000');
    expect(unsatisfiedContentRange(1000)).toBe('bytes */1000');
  });
});
