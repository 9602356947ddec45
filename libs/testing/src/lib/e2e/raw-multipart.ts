import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

export interface RawPart {
  name: string;
  value: Buffer | string;
  filename?: string;
}

/** A multipart/form-data body built by hand, for tests that need exact control over its bytes. */
export function multipartBody(parts: RawPart[]): { body: Buffer; contentType: string } {
  const boundary = `----e2e${randomBytes(8).toString('hex')}`;
  const pieces: Buffer[] = [];
  for (const part of parts) {
    // As browsers do (HTML's multipart/form-data encoding): quote and line breaks in names are percent-escaped.
    const escape = (value: string) => value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    const disposition = `form-data; name="${escape(part.name)}"${part.filename !== undefined ? `; filename="${escape(part.filename)}"` : ''}`;
    const type = part.filename !== undefined ? 'Content-Type: application/octet-stream\r\n' : '';
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    pieces.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(pieces), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Sends the first `cutAt` bytes of a request body (with the full Content-Length announced) and then
 * drops the connection, as a client whose network dies mid-chunk would. `settleMs`: how long the server
 * gets to start streaming the part before the cut.
 */
export function sendAndCut(url: string, headers: Record<string, string>, body: Buffer, cutAt: number, settleMs = 200): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } });
    req.on('error', () => resolve());
    req.on('response', (response) => {
      response.resume();
      resolve();
    });
    req.write(body.subarray(0, cutAt), () => {
      // Give the server a moment to start streaming the part before the connection dies.
      setTimeout(() => {
        req.destroy();
        resolve();
      }, settleMs);
    });
  });
}
