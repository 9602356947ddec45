import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { DomainError } from '@media/service-kit';
import {
  assertOctetStream,
  BodyAbortedError,
  BodyTooLargeError,
  declaredContentLength,
  discardUnreadBody,
  limitedBody,
} from './request-body.reader';

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  for await (const piece of body) pieces.push(piece);
  return pieces;
}

describe('limitedBody', () => {
  it('hands out every piece of a body within the limit', async () => {
    const pieces = await collect(limitedBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4));
    expect(Buffer.concat(pieces).toString()).toBe('abcd');
  });

  it('stops before the piece that passes the limit, and leaves the stream undestroyed', async () => {
    const body = Readable.from([Buffer.from('ab'), Buffer.from('cde'), Buffer.from('f')]);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const piece of limitedBody(body, 4)) seen.push(piece.toString());
      })(),
    ).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(seen).toEqual(['ab']);
    expect(body.destroyed).toBe(false);
  });

  it('lets the rest of the body be drained after it stopped reading', async () => {
    const body = new PassThrough();
    body.write(Buffer.alloc(10));
    await expect(collect(limitedBody(body, 4))).rejects.toBeInstanceOf(BodyTooLargeError);
    let drained = 0;
    body.on('data', (piece: Buffer) => (drained += piece.length));
    body.resume();
    body.end(Buffer.alloc(5));
    await new Promise((resolve) => body.once('end', resolve));
    expect(drained).toBe(5);
  });

  it('refuses a declared length over the limit without reading', async () => {
    const body = new PassThrough();
    await expect(collect(limitedBody(body, 4, 5))).rejects.toEqual(new BodyTooLargeError(4));
  });

  it('reports a body that breaks off as aborted', async () => {
    const body = new PassThrough();
    body.write(Buffer.from('ab'));
    setImmediate(() => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
    await expect(collect(limitedBody(body, 100))).rejects.toBeInstanceOf(BodyAbortedError);
  });

  it('accepts an empty body and a zero limit', async () => {
    expect(await collect(limitedBody(Readable.from([]), 0))).toEqual([]);
  });
});

describe('declaredContentLength', () => {
  it.each([
    ['123', 123],
    [undefined, undefined],
    ['-1', undefined],
    ['1e3', undefined],
  ])('%p → %p', (header, expected) => {
    expect(declaredContentLength(header)).toBe(expected);
  });
});

describe('assertOctetStream', () => {
  it.each([undefined, 'application/octet-stream', 'Application/Octet-Stream; foo=bar'])('accepts %p', (type) => {
    expect(() => assertOctetStream(type)).not.toThrow();
  });

  it.each(['application/json', 'application/x-www-form-urlencoded', 'video/mp4'])('refuses %p with 415', (type) => {
    expect(() => assertOctetStream(type)).toThrow(DomainError);
    try {
      assertOctetStream(type);
    } catch (error) {
      expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
  });
});

describe('discardUnreadBody', () => {
  const limits = { maxBytes: 10, maxMs: 1_000, lingerMs: 100 };

  function fixture() {
    const request = Object.assign(new PassThrough(), { socket: { destroy: jest.fn() } });
    const response = Object.assign(new EventEmitter(), { writableFinished: false, destroyed: false });
    return { request, response };
  }

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('drains a body that ends within the limits and keeps the connection', async () => {
    const { request, response } = fixture();
    discardUnreadBody(request, response, limits);
    request.end(Buffer.alloc(8));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(request.readableEnded).toBe(true);
    expect(request.socket.destroy).not.toHaveBeenCalled();
  });

  it('closes the connection a moment after the response when the body goes on past the byte limit', async () => {
    const { request, response } = fixture();
    discardUnreadBody(request, response, limits);
    request.write(Buffer.alloc(11));
    await jest.advanceTimersByTimeAsync(500);
    expect(request.socket.destroy).not.toHaveBeenCalled(); // the response has not gone out yet
    response.emit('close');
    await jest.advanceTimersByTimeAsync(99);
    expect(request.socket.destroy).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(request.socket.destroy).toHaveBeenCalledTimes(1);
  });

  it('closes the connection when the body outlasts the time limit', async () => {
    const { request, response } = fixture();
    response.writableFinished = true;
    discardUnreadBody(request, response, limits);
    request.write(Buffer.alloc(1));
    await jest.advanceTimersByTimeAsync(1_100);
    expect(request.socket.destroy).toHaveBeenCalledTimes(1);
  });

  it('leaves a finished body alone', () => {
    const { request, response } = fixture();
    request.destroy();
    discardUnreadBody(request, response, limits);
    expect(request.socket.destroy).not.toHaveBeenCalled();
  });
});
