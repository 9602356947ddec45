/** Pure helpers of the command line's input and output: sizes, error lines, tables. */

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `52428800`, `50m`, `50MiB`, `1.5g` → bytes (binary units, as `split -b` reads them). */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`"${text}" is not a size (say 52428800, 10m or 1g)`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw new Error(`"${text}" is not a size of at least one byte`);
  return bytes;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * One readable line for any failure: the API's own message (which names its code), a network failure with
 * its cause, never a stack trace. Line breaks inside a message are folded.
 */
export function errorLine(error: unknown): string {
  let message = String(error);
  // By shape, not instanceof: DOMException and errors of other realms are not always `Error`s.
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { name, message: text, cause } = error as { name?: string; message: string; cause?: unknown };
    message = text;
    // fetch's own failure says only "fetch failed"; its cause says what (ECONNREFUSED, ENOTFOUND, ...).
    if (name === 'TypeError' && typeof cause === 'object' && cause !== null) {
      const { code, message: detail } = cause as { code?: string; message?: string };
      message = `cannot reach the API (${code ?? detail ?? 'network error'})`;
    }
    if (name === 'AbortError') message = 'interrupted';
  }
  return `media-assets: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

/** Left-aligned columns separated by two spaces, for humans (scripts use --json). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ')).join('\n');
}
