import { createHash, randomBytes, randomInt } from 'node:crypto';
import { e2eContext, multipartBody, sendAndCut, tokenFor } from '@media/testing';

const { gateway } = e2eContext();

interface Offsets {
  start_offset: number;
  end_offset: number;
  file_size: number;
}

describe('resumable upload rules', () => {
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    token = await tokenFor('resumable');
  });

  async function start(fileSize: number | string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: fileSize, ...extra }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function transfer(id: string, chunk: Buffer, fields: Record<string, string> = {}) {
    const { body, contentType } = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      ...Object.entries(fields).map(([name, value]) => ({ name, value })),
      { name: 'file_chunk', value: chunk, filename: 'chunk.bin' },
    ]);
    const response = await fetch(`${gateway}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    return { status: response.status, body: (await response.json()) as Offsets & { code?: string; expected_offset?: number; provided_offset?: number } };
  }

  async function progress(id: string): Promise<Offsets> {
    const response = await fetch(`${gateway}/assets/${id}/multipart`, { headers: auth() });
    expect(response.status).toBe(200);
    return (await response.json()) as Offsets;
  }

  async function finish(id: string, sha256?: string) {
    const response = await fetch(`${gateway}/assets/${id}/multipart`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'finish', ...(sha256 ? { sha256 } : {}) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('accepts chunks of any size from 1 byte, and the next offsets follow what was received', async () => {
    const file = randomBytes(400_001);
    const id = await start(file.length);
    const sizes = [1, 99_999, 262_144, 1, file.length - 1 - 99_999 - 262_144 - 1];
    let offset = 0;
    for (const size of sizes) {
      const result = await transfer(id, file.subarray(offset, offset + size), { start_offset: String(offset) });
      expect(result.status).toBe(200);
      offset += size;
      expect(result.body).toMatchObject({ start_offset: offset, file_size: file.length });
    }
    const done = await finish(id, createHash('sha256').update(file).digest('hex'));
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'processing', checksum: { sha256: createHash('sha256').update(file).digest('hex') } });
  });

  it('resumes after the connection dies mid-chunk at a random byte; the final file is intact', async () => {
    const file = randomBytes(3 * 1024 * 1024 + 17);
    const id = await start(file.length);
    const chunk = 1024 * 1024;
    for (let offset = 0; offset < file.length; ) {
      const piece = file.subarray(offset, offset + chunk);
      // Every chunk is first attempted on a connection that dies somewhere inside its bytes.
      const { body, contentType } = multipartBody([
        { name: 'upload_phase', value: 'transfer' },
        { name: 'file_chunk', value: piece, filename: 'chunk.bin' },
      ]);
      await sendAndCut(`${gateway}/assets/${id}/multipart`, { ...auth(), 'content-type': contentType }, body, randomInt(200, body.length - 10));
      // The lease of the dead transfer may still be held for a moment: retry until the server takes the chunk.
      let result = await transfer(id, piece, { start_offset: String(offset) });
      for (let attempt = 0; result.status === 409 && result.body.code === 'transfer_in_progress' && attempt < 100; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        result = await transfer(id, piece, { start_offset: String(offset) });
      }
      expect(result).toMatchObject({ status: 200 });
      offset += piece.length;
      expect(result.body.start_offset).toBe(offset);
    }
    const done = await finish(id, createHash('sha256').update(file).digest('hex'));
    expect(done.status).toBe(200);
  });

  it('answers a wrong start_offset with 409 and the server offsets, keeping no byte', async () => {
    const id = await start(1000);
    expect((await transfer(id, randomBytes(100))).status).toBe(200);
    const wrong = await transfer(id, randomBytes(100), { start_offset: '0' });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ code: 'offset_mismatch', start_offset: 100, end_offset: 1000, expected_offset: 100, provided_offset: 0 });
    expect(await progress(id)).toMatchObject({ start_offset: 100 });
  });

  it('refuses a chunk past file_size with 413 and keeps no byte', async () => {
    const id = await start(1000);
    const result = await transfer(id, randomBytes(1001));
    expect(result.status).toBe(413);
    expect(result.body.code).toBe('chunk_exceeds_file_size');
    expect(await progress(id)).toMatchObject({ start_offset: 0 });
  });

  it('refuses an early finish with 422 and the offsets', async () => {
    const id = await start(1000);
    await transfer(id, randomBytes(10));
    const result = await finish(id);
    expect(result.status).toBe(422);
    expect(result.body).toMatchObject({ code: 'upload_incomplete', start_offset: 10, file_size: 1000 });
  });

  it('refuses a chunk whose checksum does not match, keeping no byte', async () => {
    const id = await start(1000);
    const chunk = randomBytes(100);
    const wrong = `sha256:${createHash('sha256').update('something else').digest('base64')}`;
    const result = await transfer(id, chunk, { checksum: wrong });
    expect(result.status).toBe(400);
    expect(result.body.code).toBe('checksum_mismatch');
    expect(await progress(id)).toMatchObject({ start_offset: 0 });
    const right = `sha256:${createHash('sha256').update(chunk).digest('base64')}`;
    expect((await transfer(id, chunk, { checksum: right })).status).toBe(200);
  });

  it('checks a checksum sent after the file part against the stored bytes, keeping no byte of a mismatch', async () => {
    const id = await start(300_000);
    const head = randomBytes(1000);
    expect((await transfer(id, head)).status).toBe(200);
    // From an offset inside a GridFS chunk across the next boundary: the bytes are read back as stored.
    const chunk = randomBytes(299_000);
    const after = async (checksum: string) => {
      const { body, contentType } = multipartBody([
        { name: 'upload_phase', value: 'transfer' },
        { name: 'file_chunk', value: chunk, filename: 'chunk.bin' },
        { name: 'checksum', value: checksum },
      ]);
      const response = await fetch(`${gateway}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
      return { status: response.status, body: (await response.json()) as Offsets & { code?: string } };
    };
    const wrong = await after(`sha256:${createHash('sha256').update(head).digest('base64')}`);
    expect(wrong).toMatchObject({ status: 400, body: { code: 'checksum_mismatch' } });
    expect(await progress(id)).toMatchObject({ start_offset: 1000 });
    const right = await after(`sha256:${createHash('sha256').update(chunk).digest('base64')}`);
    expect(right).toMatchObject({ status: 200, body: { start_offset: 300_000 } });
    const done = await finish(id, createHash('sha256').update(head).update(chunk).digest('hex'));
    expect(done.status).toBe(200);
  });

  it('refuses a whole-file sha256 that does not match at finish', async () => {
    const file = randomBytes(500);
    const id = await start(file.length);
    await transfer(id, file);
    const result = await finish(id, '0'.repeat(64));
    expect(result).toMatchObject({ status: 400, body: { code: 'checksum_mismatch' } });
  });

  it('refuses the first chunk of a declared Video that is not a video with 415', async () => {
    const id = await start(5000, { label: 'Video' });
    const result = await transfer(id, Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n'.padEnd(5000, ' ')));
    expect(result.status).toBe(415);
    expect(result.body.code).toBe('unsupported_media_type');
    expect(await progress(id)).toMatchObject({ start_offset: 0 });
  });

  it('answers a concurrent transfer of the same upload with 409', async () => {
    const id = await start(20 * 1024 * 1024);
    const slow = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: randomBytes(10 * 1024 * 1024), filename: 'a.bin' },
    ]);
    // The first transfer sends half its bytes and holds the line open; the second arrives meanwhile.
    const first = sendAndCut(`${gateway}/assets/${id}/multipart`, { ...auth(), 'content-type': slow.contentType }, slow.body, 5 * 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await transfer(id, randomBytes(1000));
    await first;
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('transfer_in_progress');
  });

  it('takes file_size as a string, as the seed sends it', async () => {
    const id = await start('8308859', { label: 'Video' });
    expect(await progress(id)).toEqual({ id, start_offset: 0, end_offset: 8_308_859, file_size: 8_308_859 });
  });
});
