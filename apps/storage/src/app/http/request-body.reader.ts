import type { Readable } from 'node:stream';
import { DomainError } from '@media/service-kit';

/** The body carried more bytes than the caller allowed; nothing past `maxBytes` was handed out. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the body is larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The client went away (or the connection broke) before the body ended. */
export class BodyAbortedError extends Error {
  constructor(cause: unknown) {
    super('the request body ended prematurely', { cause });
    this.name = 'BodyAbortedError';
  }
}

/**
 * A raw request body, piece by piece as it arrives (backpressure included: nothing is read while the
 * caller is busy with a piece). It throws before handing out the piece that would pass `maxBytes`, and
 * stops reading WITHOUT destroying the request, so that a 413 can still be sent on the same connection.
 */
export async function* limitedBody(body: Readable, maxBytes: number, declaredLength?: number): AsyncGenerator<Buffer, void, void> {
  // A Content-Length over the limit is refused before a single byte is stored.
  if (declaredLength !== undefined && declaredLength > maxBytes) throw new BodyTooLargeError(maxBytes);
  let seen = 0;
  const pieces: AsyncIterator<unknown> = body.iterator({ destroyOnReturn: false });
  try {
    while (true) {
      let next: IteratorResult<unknown>;
      try {
        next = await pieces.next();
      } catch (error) {
        throw new BodyAbortedError(error);
      }
      if (next.done) return;
      const piece = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      seen += piece.length;
      if (seen > maxBytes) throw new BodyTooLargeError(maxBytes);
      yield piece;
    }
  } finally {
    // Detaches the iterator's 'readable' listener, which would otherwise keep the rest of the body from being drained.
    await pieces.return?.();
  }
}

export function declaredContentLength(header: string | undefined): number | undefined {
  return header !== undefined && /^\d{1,16}$/.test(header) ? Number(header) : undefined;
}

/** Bytes are only accepted as `application/octet-stream`: a JSON or form type would be eaten by a body parser. */
export function assertOctetStream(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (essence !== 'application/octet-stream') {
    throw new DomainError(415, 'unsupported_media_type', 'Unsupported media type', 'Send the bytes as application/octet-stream.', {
      content_type: contentType,
    });
  }
}

interface UnreadRequest extends Readable {
  socket?: { destroy(): void } | null;
}
interface PendingResponse {
  readonly writableFinished: boolean;
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface DiscardLimits {
  /** Bytes read and dropped in the hope that the client finishes its body and keeps the connection. */
  maxBytes: number;
  maxMs: number;
  /** Time the client gets to read our response before an unread body forces the connection shut. */
  lingerMs: number;
}

const DEFAULT_DISCARD_LIMITS: DiscardLimits = { maxBytes: 4 * 1024 * 1024, maxMs: 2_000, lingerMs: 1_000 };

/**
 * After an early answer (413, 409, ...) the client may still be sending. Closing the socket on unread
 * bytes makes the kernel send a RST that can destroy our response before the client reads it, so the rest
 * of the body is read and dropped for a bounded while; past the bounds, reading stops and the connection
 * is closed once the response has had time to arrive.
 */
export function discardUnreadBody(request: UnreadRequest, response: PendingResponse, limits: DiscardLimits = DEFAULT_DISCARD_LIMITS): void {
  if (request.readableEnded || request.destroyed) return;
  let discarded = 0;
  const stop = (): void => {
    clearTimeout(timer);
    request.off('data', onData);
  };
  const giveUp = (): void => {
    stop();
    request.pause();
    const close = (): void => {
      setTimeout(() => request.socket?.destroy(), limits.lingerMs).unref();
    };
    if (response.writableFinished || response.destroyed) close();
    else response.once('close', close);
  };
  const onData = (piece: Buffer): void => {
    discarded += piece.length;
    if (discarded > limits.maxBytes) giveUp();
  };
  const timer = setTimeout(giveUp, limits.maxMs);
  timer.unref();
  request.on('data', onData);
  request.once('end', stop);
  request.once('close', stop);
  request.resume();
}

/** The problem a body failure becomes; anything else (a database failure) stays a 500. */
export function bodyFailureToProblem(error: unknown, tooLargeCode: string): unknown {
  if (error instanceof BodyTooLargeError) {
    return new DomainError(413, tooLargeCode, 'Payload too large', `The body is larger than the ${error.maxBytes} bytes allowed.`, {
      max_bytes: error.maxBytes,
    });
  }
  if (error instanceof BodyAbortedError) {
    // Nobody will read this answer; it only keeps a vanished client out of the 5xx statistics.
    return new DomainError(400, 'request_aborted', 'Request aborted', 'The request body ended before it was complete.');
  }
  return error;
}

/**
 * Runs the work that consumes a request body; if it fails before reading the whole body, the rest is
 * discarded (bounded) so that the problem document reaches the client.
 */
export async function consumingBody<T>(request: UnreadRequest, response: PendingResponse, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    discardUnreadBody(request, response);
    throw error;
  }
}
