import path from 'node:path';

/**
 * What `/console/<rest>` answers, decided without touching the disk: a file of the build, or the page
 * itself for any other path (the console routes in the browser), or nothing for a path that names a file
 * the build does not have. Pure, so the traversal and caching rules are tested without a server.
 */
export type ConsoleTarget =
  | { kind: 'file'; relativePath: string; contentType: string; cacheControl: string }
  | { kind: 'not_found' };

/** Types of what Vite emits; anything else in the folder is offered as bytes, never sniffed. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export const INDEX_FILE = 'index.html';

/**
 * Vite names every built asset `<name>-<hash>.<ext>` under `assets/`: a new build is a new name, so those
 * are cached for a year. The page is revalidated on every load, so a new build shows up at once.
 */
const HASHED_ASSET = /^assets\/[\w.-]+-[\w-]{8,}\.[a-z0-9]+(\.map)?$/i;
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.posix.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps the part of the URL after `/console/` to a target. Only normalised relative paths inside the build
 * are files; `..`, absolute paths, backslashes and NULs never are. A path without a file extension is a
 * route of the page (index.html); a missing file with an extension is `not_found`, so a stale script URL
 * gets a 404 instead of HTML parsed as JavaScript.
 */
export function consoleTarget(rest: string, exists: (relativePath: string) => boolean): ConsoleTarget {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return { kind: 'not_found' };
  }
  const index = { kind: 'file', relativePath: INDEX_FILE, contentType: contentTypeOf(INDEX_FILE), cacheControl: REVALIDATE } as const;
  const trimmed = decoded.replace(/^\/+/, '');
  if (trimmed === '' || trimmed === INDEX_FILE) return index;
  if (trimmed.includes('\0') || trimmed.includes('\\')) return { kind: 'not_found' };
  const normalised = path.posix.normalize(trimmed);
  if (normalised.startsWith('..') || path.posix.isAbsolute(normalised) || normalised.split('/').some((part) => part.startsWith('.'))) {
    return { kind: 'not_found' };
  }
  if (exists(normalised)) {
    return { kind: 'file', relativePath: normalised, contentType: contentTypeOf(normalised), cacheControl: HASHED_ASSET.test(normalised) ? IMMUTABLE : REVALIDATE };
  }
  return path.posix.extname(normalised) === '' ? index : { kind: 'not_found' };
}

/**
 * What the console's page may do: its own scripts and styles only, images and media from the gateway
 * (`/cdn`) and from `blob:` (hls.js feeds the video element through Media Source, Uppy previews files
 * picked locally), API calls to the gateway, hls.js's worker from a `blob:`; no plugins, no framing, no
 * form posts elsewhere. Uppy's and Preact's inline style attributes are set through the DOM, which this allows.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
