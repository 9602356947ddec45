import { connect } from 'node:net';
import { e2eContext, multipartBody, tokenFor } from '@media/testing';

const { gateway } = e2eContext();

/** Nothing a client sends yields a 5xx: every refusal is problem+json with a stable code. */
describe('bad input gets a clear 4xx and loses nothing', () => {
  let token: string;
  let openUpload: string;

  beforeAll(async () => {
    token = await tokenFor('bad-input');
    const response = await fetch(`${gateway}/assets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: 1000 }),
    });
    openUpload = ((await response.json()) as { id: string }).id;
  });


  const cases: { name: string; path: () => string; method?: string; contentType?: string; body?: string | Buffer; status: number; code: string }[] = [
    { name: 'a text/plain body', path: () => '/assets', contentType: 'text/plain', body: 'hello', status: 415, code: 'unsupported_content_type' },
    { name: 'malformed JSON', path: () => '/assets', contentType: 'application/json', body: '{"upload_phase":', status: 400, code: 'bad_request' },
    { name: 'multipart without a boundary', path: () => '/assets', contentType: 'multipart/form-data', body: 'x', status: 400, code: 'malformed_multipart' },
    {
      name: 'a truncated multipart body',
      path: () => '/assets',
      contentType: 'multipart/form-data; boundary=xyz',
      body: '--xyz\r\nContent-Disposition: form-data; name="source"; filename="a.bin"\r\n\r\nabc',
      status: 400,
      code: 'malformed_multipart',
    },
    { name: 'multipart without source', ...fromParts([{ name: 'name', value: 'x' }]), path: () => '/assets', status: 400, code: 'missing_field' },
    {
      name: 'two files',
      ...fromParts([
        { name: 'source', value: 'a', filename: 'a.txt' },
        { name: 'source', value: 'b', filename: 'b.txt' },
      ]),
      path: () => '/assets',
      status: 400,
      code: 'unexpected_file',
    },
    { name: 'a file in an unknown field', ...fromParts([{ name: 'picture', value: 'a', filename: 'a.txt' }]), path: () => '/assets', status: 400, code: 'unexpected_file' },
    { name: 'a 70 kB metadata field', ...fromParts([{ name: 'body', value: 'x'.repeat(70_000) }, { name: 'source', value: 'a', filename: 'a.txt' }]), path: () => '/assets', status: 400, code: 'malformed_multipart' },
    { name: 'start without file_size', path: () => '/assets', contentType: 'application/json', body: '{"upload_phase":"start"}', status: 400, code: 'invalid_request' },
    { name: 'a negative file_size', path: () => '/assets', contentType: 'application/json', body: '{"upload_phase":"start","file_size":"-5"}', status: 400, code: 'invalid_request' },
    { name: 'an absurd file_size', path: () => '/assets', contentType: 'application/json', body: '{"upload_phase":"start","file_size":1e300}', status: 400, code: 'invalid_file_size' },
    { name: 'a file_size of words', path: () => '/assets', contentType: 'application/json', body: '{"upload_phase":"start","file_size":"lots"}', status: 400, code: 'invalid_request' },
    { name: 'an unknown phase on create', path: () => '/assets', contentType: 'application/json', body: '{"upload_phase":"banana","file_size":5}', status: 400, code: 'invalid_request' },
    { name: 'an unknown phase on the upload', path: () => `/assets/${openUpload}/multipart`, contentType: 'application/json', body: '{"upload_phase":"banana"}', status: 400, code: 'invalid_upload_phase' },
    { name: 'a transfer without file_chunk', ...fromParts([{ name: 'upload_phase', value: 'transfer' }]), path: () => `/assets/${openUpload}/multipart`, status: 400, code: 'missing_field' },
    { name: 'an absurd start_offset', ...fromParts([{ name: 'upload_phase', value: 'transfer' }, { name: 'start_offset', value: '99999999999999999999' }, { name: 'file_chunk', value: 'a', filename: 'c' }]), path: () => `/assets/${openUpload}/multipart`, status: 400, code: 'invalid_request' },
    { name: 'a finish sha256 that is not hex', path: () => `/assets/${openUpload}/multipart`, contentType: 'application/json', body: '{"upload_phase":"finish","sha256":"zz"}', status: 400, code: 'invalid_request' },
    { name: 'limit over 1000', path: () => '/assets?limit=1001', method: 'GET', status: 400, code: 'invalid_query' },
    { name: 'a sort that does not exist', path: () => '/assets?sort=size', method: 'GET', status: 400, code: 'invalid_query' },
    { name: 'an id that is not an id', path: () => '/assets/..%2F..%2Fetc', method: 'GET', status: 404, code: 'asset_not_found' },
    { name: 'metadata with an unknown field', path: () => `/assets/${openUpload}`, method: 'PUT', contentType: 'application/json', body: '{"nmae":"typo"}', status: 400, code: 'invalid_request' },
  ];

  it.each(cases)('$name → $status $code', async ({ path, method, contentType, body, status, code }) => {
    const response = await fetch(`${gateway}${path()}`, {
      method: method ?? 'POST',
      headers: { Authorization: `Bearer ${token}`, ...(contentType ? { 'Content-Type': contentType } : {}) },
      body,
    });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status, code });
    expect(response.status).toBe(status);
  });

  it('answers oversized headers with a problem document, not a bare status line', async () => {
    const raw = await rawRequest(`GET /assets HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 431/);
    expect(raw).toContain('application/problem+json');
    expect(raw).toContain('"code":"headers_too_large"');
  });

  it('answers a garbage request line with 400 problem+json', async () => {
    const raw = await rawRequest('HELLO THERE\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"code":"malformed_request"');
  });

  it('still has the open upload untouched after all of that', async () => {
    const response = await fetch(`${gateway}/assets/${openUpload}/multipart`, { headers: { Authorization: `Bearer ${token}` } });
    expect(await response.json()).toMatchObject({ start_offset: 0, file_size: 1000 });
  });
});

function fromParts(parts: Parameters<typeof multipartBody>[0]) {
  const { body, contentType } = multipartBody(parts);
  return { body, contentType };
}

function rawRequest(text: string): Promise<string> {
  const url = new URL(gateway);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}
