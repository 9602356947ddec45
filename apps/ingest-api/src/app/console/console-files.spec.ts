import { CONSOLE_CSP, consoleTarget, IMMUTABLE, REVALIDATE } from './console-files';

const built = new Set(['index.html', 'assets/index-D-t_FD4f.js', 'assets/index-DSyOZPXI.css', 'assets/index-D-t_FD4f.js.map', 'favicon.svg']);
const exists = (relative: string) => built.has(relative);

describe('consoleTarget', () => {
  it.each(['', '/', 'index.html', 'assets', 'webhooks/123', 'some/deep/route'])('%p is the page, revalidated on every load', (rest) => {
    expect(consoleTarget(rest, exists)).toEqual({ kind: 'file', relativePath: 'index.html', contentType: 'text/html; charset=utf-8', cacheControl: REVALIDATE });
  });

  it('serves hashed build assets with their type, cached for good', () => {
    expect(consoleTarget('assets/index-D-t_FD4f.js', exists)).toEqual({ kind: 'file', relativePath: 'assets/index-D-t_FD4f.js', contentType: 'text/javascript; charset=utf-8', cacheControl: IMMUTABLE });
    expect(consoleTarget('assets/index-DSyOZPXI.css', exists)).toMatchObject({ contentType: 'text/css; charset=utf-8', cacheControl: IMMUTABLE });
    expect(consoleTarget('assets/index-D-t_FD4f.js.map', exists)).toMatchObject({ contentType: 'application/json; charset=utf-8', cacheControl: IMMUTABLE });
  });

  it('revalidates files whose name carries no hash', () => {
    expect(consoleTarget('favicon.svg', exists)).toEqual({ kind: 'file', relativePath: 'favicon.svg', contentType: 'image/svg+xml', cacheControl: REVALIDATE });
  });

  it('answers not_found for a missing file with an extension (a stale script must not get HTML)', () => {
    expect(consoleTarget('assets/index-OLDHASH1.js', exists)).toEqual({ kind: 'not_found' });
  });

  it.each(['../package.json', 'assets/../../secret.txt', '%2e%2e/package.json', '..%2fpackage.json', 'assets\\..\\x.js', 'a%00.js', '.env', 'assets/.hidden', '%E0%A4%A'])(
    'never leaves the build folder or serves hidden files: %p',
    (rest) => {
      const target = consoleTarget(rest, () => true);
      if (target.kind === 'file') {
        expect(target.relativePath.startsWith('..')).toBe(false);
        expect(target.relativePath).toBe('index.html');
      } else {
        expect(target).toEqual({ kind: 'not_found' });
      }
    },
  );

  it('the page may load its own scripts only, and media from the gateway and from blob: (hls.js)', () => {
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("media-src 'self' blob:");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });
});
