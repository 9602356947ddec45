/**
 * A multipart/form-data body built as a stream, so fetch sends the file part as it is read and the bytes it
 * pulls can be counted (upload progress inside one request); FormData gives neither in Node.
 */
export interface MultipartFile {
  field: string;
  filename: string;
  contentType?: string;
  data: ReadableStream<Uint8Array>;
  /** Known size of `data`, which makes the body's length known too. */
  size?: number;
}

export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  /** Total bytes when the file's size is known. */
  length?: number;
}

function randomBoundary(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return `----media-assets-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Quotes and line breaks cannot appear in a quoted header parameter; browsers percent-encode them the same way. */
export function quoteFormName(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

export function multipartBody(fields: ReadonlyArray<readonly [string, string]>, file: MultipartFile, onBytes: (count: number) => void): MultipartBody {
  const boundary = randomBoundary();
  const encoder = new TextEncoder();
  let head = '';
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoteFormName(name)}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoteFormName(file.field)}"; filename="${quoteFormName(file.filename)}"\r\n`;
  head += `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const reader = file.data.getReader();
  let stage: 'head' | 'data' | 'tail' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'head') {
        stage = 'data';
        controller.enqueue(headBytes);
        return;
      }
      if (stage === 'data') {
        const { done, value } = await reader.read();
        if (!done) {
          onBytes(value.byteLength);
          controller.enqueue(value);
          return;
        }
        stage = 'tail';
      }
      if (stage === 'tail') {
        stage = 'done';
        controller.enqueue(tailBytes);
        controller.close();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, length: file.size === undefined ? undefined : headBytes.byteLength + file.size + tailBytes.byteLength };
}
