import { createHash, randomBytes } from 'node:crypto';
import { BlobChunkSource, StreamChunkSource } from './chunk-source';
import { multipartBody } from './multipart-body';

const bytes = randomBytes(300_000);
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const read = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());

/** A stream in uneven pieces, as sockets and files deliver them. */
function piecewise(data: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.byteLength) return controller.close();
      const size = 1 + ((at * 7919) % 40_000);
      controller.enqueue(data.slice(at, at + size));
      at += size;
    },
  });
}

describe('chunk sources', () => {
  it('slices a Blob by range, as often as asked, and hashes the whole', async () => {
    const source = new BlobChunkSource(new Blob([bytes]));
    expect(source.size).toBe(bytes.byteLength);
    expect(Buffer.from(await read(await source.range(1000, 5000)))).toEqual(bytes.subarray(1000, 5000));
    expect(Buffer.from(await read(await source.range(1000, 5000)))).toEqual(bytes.subarray(1000, 5000));
    expect(await source.sha256()).toBe(sha(bytes));
  });

  it('reads a stream once: the current chunk again (a retry), then forward, hashing every byte', async () => {
    const source = new StreamChunkSource(piecewise(bytes), bytes.byteLength);
    expect(Buffer.from(await read(await source.range(0, 100_000)))).toEqual(bytes.subarray(0, 100_000));
    expect(Buffer.from(await read(await source.range(0, 100_000)))).toEqual(bytes.subarray(0, 100_000));
    expect(Buffer.from(await read(await source.range(50_000, 100_000)))).toEqual(bytes.subarray(50_000, 100_000));
    // The server already has up to 250000 (a resumed upload): those bytes are read and hashed, not sent.
    expect(Buffer.from(await read(await source.range(250_000, 300_000)))).toEqual(bytes.subarray(250_000));
    await expect(source.range(10, 20)).rejects.toThrow(/cannot go back/);
    expect(await source.sha256()).toBe(sha(bytes));
  });

  it('takes Node-style async iterables, and says when a stream is shorter than declared', async () => {
    async function* pieces() {
      yield bytes.subarray(0, 10);
      yield bytes.subarray(10, 20);
    }
    const source = new StreamChunkSource(pieces(), 30);
    await expect(source.range(0, 30)).rejects.toThrow(/ended at byte 20/);
  });

  it('passes a stream through once for a one-request upload and has its hash at the end', async () => {
    const source = new StreamChunkSource(piecewise(bytes), undefined);
    expect(Buffer.from(await read(source.passThrough()))).toEqual(bytes);
    expect(await source.sha256()).toBe(sha(bytes));
  });
});

describe('streamed multipart body', () => {
  it('is a form any multipart parser reads, with the fields, the file and a quoted name', async () => {
    let counted = 0;
    const body = multipartBody(
      [
        ['upload_phase', 'transfer'],
        ['start_offset', '42'],
      ],
      { field: 'file_chunk', filename: 'la"unch\n.mp4', data: piecewise(bytes), size: bytes.byteLength },
      (count) => (counted += count),
    );
    const encoded = await read(body.body);
    expect(encoded.byteLength).toBe(body.length);
    const form = await new Response(encoded, { headers: { 'content-type': body.contentType } }).formData();
    expect(form.get('upload_phase')).toBe('transfer');
    expect(form.get('start_offset')).toBe('42');
    const file = form.get('file_chunk') as File;
    // Sent percent-encoded (a quote would end the parameter), read back as given.
    expect(new TextDecoder().decode(encoded.subarray(0, 400))).toContain('filename="la%22unch%0A.mp4"');
    expect(file.name).toBe('la"unch\n.mp4');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);
    // Progress counts the file's bytes as the body is pulled, not the framing.
    expect(counted).toBe(bytes.byteLength);
  });
});
