import type { IncomingMessage } from 'node:http';
import contentDisposition from 'content-disposition';
import type { Response } from 'express';
import { pipeToResponse } from '@media/service-kit';

/** Headers passed from storage to the client as they are (the type comes from the catalog, never from storage). */
const FORWARDED = ['content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified'];

export interface ServedFile {
  contentType: string;
  /** The name the client saves it under. */
  fileName: string;
  disposition: 'inline' | 'attachment';
  cacheControl: string;
  /** `Vary` when the answer depends on a request header (a variant's format chosen from `Accept`). */
  vary?: string;
}

/**
 * Streams storage's answer for a stored file to the client: storage's status and byte headers, the
 * catalog's type and name, and the headers that keep an uploaded file from ever running as a page.
 * Every `/cdn` route answers through here, so they cannot drift apart on those.
 */
export async function relayStoredFile(upstream: IncomingMessage, response: Response, served: ServedFile): Promise<void> {
  response.status(upstream.statusCode ?? 200);
  for (const header of FORWARDED) {
    const value = upstream.headers[header];
    if (value !== undefined) response.setHeader(header, value);
  }
  response.setHeader('Content-Type', served.contentType);
  if (served.vary) response.setHeader('Vary', served.vary);
  // Never let a browser second-guess the type: an uploaded HTML file must not run as a page.
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Security-Policy', "default-src 'none'; media-src 'self'; img-src 'self'; sandbox");
  // RFC 6266: an ASCII `filename` for old clients plus `filename*` with the real UTF-8 name; the library
  // quotes and escapes both, so no file name can inject a header.
  response.setHeader('Content-Disposition', contentDisposition(served.fileName, { type: served.disposition, fallback: asciiFallback(served.fileName) }));
  response.setHeader('Cache-Control', served.cacheControl);
  await pipeToResponse(upstream, response);
}

/** The file name with anything outside printable ASCII replaced, for clients that ignore `filename*`. */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
}
