import { randomBytes } from 'node:crypto';
import { e2eContext, multipartBody, tokenFor } from '@media/testing';

const { gateway } = e2eContext();

describe('originals through /cdn', () => {
  let token: string;
  const bytes = randomBytes(700_000);

  beforeAll(async () => {
    token = await tokenFor('cdn');
  });

  async function upload(filename: string, content: Buffer | string): Promise<string> {
    const { body, contentType } = multipartBody([{ name: 'source', value: content, filename }]);
    const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });
    expect(response.status).toBe(201);
    const asset = (await response.json()) as { cdn_files: { items: { url: string; role: string }[] } };
    const url = asset.cdn_files.items.find((file) => file.role === 'original')?.url;
    if (!url) throw new Error('no original url');
    return url;
  }

  it('serves ranges (206), refuses unsatisfiable ones (416), and revalidates with ETag (304)', async () => {
    const url = await upload('data.bin', bytes);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);

    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=262100-262200', 262_100, 262_200],
      ['bytes=699990-', 699_990, bytes.length - 1],
      ['bytes=-10', bytes.length - 10, bytes.length - 1],
    ] as [string, number, number][]) {
      const part = await fetch(url, { headers: { Range: range } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(start, end + 1));
    }

    const beyond = await fetch(url, { headers: { Range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(await beyond.json()).toMatchObject({ code: 'range_not_satisfiable' });

    const etag = whole.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(url, { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('sends nosniff and a safe Content-Disposition whatever the file is called', async () => {
    const url = await upload('évil"\r\nSet-Cookie: a=b.html', '<script>alert(1)</script>');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('set-cookie')).toBeNull();
    const disposition = response.headers.get('content-disposition') ?? '';
    // The "HTML" is served as what its bytes are (plain text), sandboxed: it can never run as a page.
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(disposition).toMatch(/^inline; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\w%!#$&+.^`|~-]+$/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1] ?? '')).toBe('évil%22%0D%0ASet-Cookie: a=b.html');
  });

  it('answers an unknown or malformed file id with 404 problem+json', async () => {
    for (const path of ['/cdn/00000000-0000-4000-8000-000000000000/x.bin', '/cdn/not-an-id/x.bin']) {
      const response = await fetch(`${gateway}${path}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'file_not_found' });
    }
  });
});
