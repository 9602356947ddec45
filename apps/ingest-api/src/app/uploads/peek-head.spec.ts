import { PassThrough, Readable } from 'node:stream';
import { peekHead } from './peek-head';

async function collect(stream: Readable): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  return Buffer.concat(pieces).toString();
}

describe('peekHead', () => {
  it('shows the first bytes and replays the whole stream', async () => {
    const { head, stream } = await peekHead(Readable.from([Buffer.from('abc'), Buffer.from('defg'), Buffer.from('hij')]), 5);
    expect(head.toString()).toBe('abcde');
    expect(await collect(stream)).toBe('abcdefghij');
  });

  it('handles a stream shorter than the window', async () => {
    const { head, stream } = await peekHead(Readable.from([Buffer.from('ab')]), 100);
    expect(head.toString()).toBe('ab');
    expect(await collect(stream)).toBe('ab');
  });

  it('passes on an error of the source after the head', async () => {
    const source = new PassThrough();
    source.write(Buffer.from('abcdef'));
    const { stream } = await peekHead(source, 3);
    const reading = collect(stream);
    source.destroy(new Error('connection reset'));
    await expect(reading).rejects.toThrow('connection reset');
  });
});
