import { errorLine, formatBytes, parseSize, table } from './cli-format';

describe('command-line formatting', () => {
  it.each([
    ['52428800', 52_428_800],
    ['10m', 10 * 1024 ** 2],
    ['50MiB', 50 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5k', 1536],
    [' 7 b ', 7],
  ])('reads the size %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'ten', '10x', '-5', '0', '0.1'])('refuses the size "%s"', (text) => {
    expect(() => parseSize(text)).toThrow(/size/);
  });

  it('formats byte counts for humans', () => {
    expect([null, 0, 1023, 1024, 5 * 1024 ** 2, 1536 * 1024 ** 2, 3 * 1024 ** 4].map(formatBytes)).toEqual(['-', '0 B', '1023 B', '1.0 KiB', '5.0 MiB', '1.5 GiB', '3.0 TiB']);
  });

  it('makes one line of any error, with the network cause instead of "fetch failed"', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(errorLine(refused)).toBe('media-assets: cannot reach the API (ECONNREFUSED)');
    expect(errorLine(new Error('list assets: token expired\n  (HTTP 401 invalid_token)'))).toBe('media-assets: list assets: token expired (HTTP 401 invalid_token)');
    expect(errorLine(new DOMException('aborted', 'AbortError'))).toBe('media-assets: interrupted');
    expect(errorLine('plain')).toBe('media-assets: plain');
    expect(errorLine(new Error('x'))).not.toMatch(/\n|at /);
  });

  it('aligns table columns', () => {
    expect(table([
      ['id', 'name'],
      ['abcdef', 'x'],
    ])).toBe('id      name\nabcdef  x');
  });
});
