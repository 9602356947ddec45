import { contentDisposition } from './content-disposition.util';

describe('contentDisposition', () => {
  it('keeps a plain ASCII name as it is', () => {
    expect(contentDisposition('launch_1080.mp4')).toBe('inline; filename="launch_1080.mp4"');
  });

  it('adds the exact UTF-8 name as filename* next to an ASCII fallback', () => {
    expect(contentDisposition('Überblick – 2026.pdf', 'attachment')).toBe(
      `attachment; filename="_berblick _ 2026.pdf"; filename*=UTF-8''%C3%9Cberblick%20%E2%80%93%202026.pdf`,
    );
  });

  it('neutralises quotes, backslashes and line breaks that could break out of the header', () => {
    const header = contentDisposition('a"b\\c\r\nSet-Cookie: x=1.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.startsWith('inline; filename="a_b_c__Set-Cookie: x=1.txt"; filename*=UTF-8\'\'')).toBe(true);
    expect(header).toContain("a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1.txt");
  });

  it("percent-encodes the characters encodeURIComponent leaves but RFC 8187 forbids", () => {
    expect(contentDisposition("it's (1)*.txt")).toBe(`inline; filename="it's (1)*.txt"`);
    expect(contentDisposition("ü's (1)*.txt")).toContain(`filename*=UTF-8''%C3%BC%27s%20%281%29%2A.txt`);
  });

  it('falls back to "file" when nothing printable is left', () => {
    expect(contentDisposition('\u0001')).toBe(`inline; filename="_"; filename*=UTF-8''%01`);
    expect(contentDisposition('   ')).toBe('inline; filename="file"; filename*=UTF-8\'\'%20%20%20');
  });
});
