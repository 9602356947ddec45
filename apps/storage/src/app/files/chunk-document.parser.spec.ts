import { BSON, Binary, Double, Int32, Long, ObjectId } from 'mongodb';
import { parseChunkDocument, UnreadableChunkError } from './chunk-document.parser';

describe('parseChunkDocument', () => {
  const payload = Buffer.from('the bytes of one chunk');
  const raw = (doc: BSON.Document): Buffer => Buffer.from(BSON.serialize(doc));

  it('finds n and data in a chunk as drivers write it, data as a view of the document', () => {
    const doc = raw({ _id: new ObjectId(), files_id: new ObjectId(), n: 7, data: new Binary(payload) });
    const parsed = parseChunkDocument(doc);
    expect(parsed.n).toBe(7);
    expect(parsed.data.equals(payload)).toBe(true);
    expect(parsed.data.buffer).toBe(doc.buffer);
  });

  it.each([
    ['int32', new Int32(3)],
    ['int64', Long.fromNumber(3)],
    ['double', new Double(3)],
  ])('reads n stored as %s', (_, n) => {
    expect(parseChunkDocument(raw({ files_id: 'abc', n, data: new Binary(payload) })).n).toBe(3);
  });

  it('skips fields of every common type before and after', () => {
    const doc = raw({
      a: 'text',
      b: { nested: [1, 2, 3] },
      c: true,
      d: new Date(0),
      e: null,
      files_id: 'id',
      data: new Binary(payload),
      n: 2,
      f: Long.fromNumber(9),
      g: new Binary(Buffer.from('other'), 4),
    });
    const parsed = parseChunkDocument(doc);
    expect(parsed).toEqual({ n: 2, data: payload });
  });

  it('reads the old binary subtype, whose value repeats its length', () => {
    // The serializer writes subtype 2 with the inner length, as old drivers did.
    const doc = raw({ n: 0, data: new Binary(payload, 2) });
    expect(doc.includes(Buffer.from([payload.length + 4, 0, 0, 0, 2, payload.length, 0, 0, 0]))).toBe(true);
    expect(parseChunkDocument(doc).data.equals(payload)).toBe(true);
  });

  it('reads an empty chunk', () => {
    expect(parseChunkDocument(raw({ n: 0, data: new Binary(Buffer.alloc(0)) })).data).toHaveLength(0);
  });

  it.each([
    ['no data', raw({ n: 1 })],
    ['no n', raw({ data: new Binary(payload) })],
    ['a string n', raw({ n: '1', data: new Binary(payload) })],
    ['a regular expression field', raw({ r: /x/, n: 1, data: new Binary(payload) })],
    ['a truncated document', raw({ n: 1, data: new Binary(payload) }).subarray(0, 20)],
    ['a few bytes', Buffer.from([1, 2])],
  ])('refuses a document with %s rather than guessing', (_, doc) => {
    expect(() => parseChunkDocument(doc)).toThrow(UnreadableChunkError);
  });

  it('refuses a binary whose length runs past the document', () => {
    const doc = raw({ n: 1, data: new Binary(payload) });
    // The binary's length sits right after the "data" name.
    const at = doc.indexOf(Buffer.from('data\0')) + 5;
    doc.writeInt32LE(10_000, at);
    expect(() => parseChunkDocument(doc)).toThrow(UnreadableChunkError);
  });
});
