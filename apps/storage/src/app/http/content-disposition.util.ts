/**
 * A `Content-Disposition` that is safe for any stored name: an ASCII fallback with nothing that could end
 * the quoted string or split the header, plus the exact UTF-8 name as RFC 8187 `filename*`.
 */
export function contentDisposition(fileName: string, disposition: 'inline' | 'attachment' = 'inline'): string {
  const fallback = asciiFallback(fileName);
  const header = `${disposition}; filename="${fallback}"`;
  return fallback === fileName ? header : `${header}; filename*=UTF-8''${encodeRfc8187(fileName)}`;
}

function asciiFallback(fileName: string): string {
  // Printable ASCII only, without the quote and backslash that would end or escape the quoted string.
  const replaced = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_').trim();
  return replaced === '' ? 'file' : replaced;
}

function encodeRfc8187(value: string): string {
  // encodeURIComponent leaves ' ( ) * alone, which RFC 8187's attr-char does not allow.
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
