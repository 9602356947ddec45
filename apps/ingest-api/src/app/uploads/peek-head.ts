import { Readable } from 'node:stream';

export interface PeekedStream {
  /** The first bytes (fewer when the stream is shorter). */
  head: Buffer;
  /** The whole stream again, head included, still streaming and with backpressure. */
  stream: Readable;
}

/**
 * Reads just enough of a stream to judge its first bytes (magic numbers) before deciding where the rest
 * goes. Only the head is held; a refused head means the body is never sent anywhere.
 */
export async function peekHead(source: Readable, limit: number): Promise<PeekedStream> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const pieces: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < limit) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    pieces.push(next.value);
    size += next.value.length;
  }
  const first = Buffer.concat(pieces);
  async function* replay(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: first.subarray(0, limit), stream: Readable.from(replay(), { objectMode: false }) };
}
