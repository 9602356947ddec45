import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { DomainError } from '@media/service-kit';
import busboy from 'busboy';

export type FormFields = Record<string, string>;

export interface FilePart {
  field: string;
  /** The client's file name, as sent; used for display only, never trusted for anything else. */
  filename: string | undefined;
  stream: Readable;
  /** The fields that arrived before the file part. */
  fieldsBefore: FormFields;
}

export interface MultipartOptions {
  /** The file fields this endpoint takes (at most one file per request). */
  fileFields: readonly string[];
  /** Consumes the file stream completely, or throws; it runs while the rest of the form waits. */
  onFile: (part: FilePart) => Promise<void>;
}

// Metadata fields are small; anything larger is an attack or a mistake, refused rather than buffered.
const LIMITS = { fieldNameSize: 100, fieldSize: 64 * 1024, fields: 50, files: 1, parts: 52, headerPairs: 20 };

const malformed = (detail: string) => new DomainError(400, 'malformed_multipart', 'Malformed multipart body', detail);

export function isMultipart(request: IncomingMessage): boolean {
  return /^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '');
}

/**
 * Streams a multipart/form-data request: fields are collected, the one file part is handed to `onFile` as
 * a stream (never buffered). Resolves with every field once the whole body has been read and `onFile`
 * has finished; rejects with a problem (400) for a malformed body or whatever `onFile` threw.
 */
export function readMultipart(request: IncomingMessage, options: MultipartOptions): Promise<{ fields: FormFields; sawFile: boolean }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: LIMITS, defParamCharset: 'utf8' });
    } catch (error) {
      reject(malformed(error instanceof Error ? error.message : 'unreadable multipart headers'));
      return;
    }
    const fields: FormFields = {};
    let fileWork: Promise<void> | undefined;
    let currentFile: Readable | undefined;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      // A file part cut short by the failure would never end: close it, so its consumer (a store in
      // storage) sees a premature close and keeps nothing instead of waiting for bytes that will not come.
      // Without an error: a part nobody reads any more has no 'error' listener, and one would crash us.
      if (currentFile && !currentFile.readableEnded) currentFile.destroy();
      // Whatever the client still sends is read and dropped, so the error response can be delivered.
      request.resume();
      reject(error);
    };

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(malformed(`field "${name.slice(0, 100)}" is too long`));
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (!options.fileFields.includes(name) || fileWork) {
        stream.resume();
        return fail(new DomainError(400, 'unexpected_file', 'Unexpected file', `this endpoint takes one file, in ${options.fileFields.map((f) => `"${f}"`).join(' or ')}`));
      }
      currentFile = stream;
      fileWork = options.onFile({ field: name, filename: info.filename, stream, fieldsBefore: { ...fields } }).catch((error: unknown) => {
        // The consumer stopped early: drain the part so busboy can go on to the end (or to the abort).
        stream.resume();
        fail(error);
      });
    });
    parser.on('fieldsLimit', () => fail(malformed('too many fields')));
    parser.on('partsLimit', () => fail(malformed('too many parts')));
    parser.on('filesLimit', () => fail(new DomainError(400, 'unexpected_file', 'Unexpected file', 'only one file per request')));
    parser.on('error', (error: unknown) => fail(malformed(error instanceof Error ? error.message : 'unreadable multipart body')));
    parser.on('close', () => {
      void (fileWork ?? Promise.resolve()).then(() => {
        if (settled) return;
        settled = true;
        resolve({ fields, sawFile: fileWork !== undefined });
      });
    });
    // A dropped connection never ends the part on its own: fail the file stream so its consumer (the
    // transfer to storage) aborts and keeps nothing, instead of waiting forever for bytes.
    request.on('close', () => {
      if (request.complete) return;
      const aborted = new DomainError(400, 'request_aborted', 'Request aborted', 'the client closed the connection');
      // Only a part someone listens to may be failed with an error: a consumer that has not attached yet
      // (still waiting for its lease) or has already let go would leave the 'error' event unhandled, and
      // that ends the process — one cut connection killed a replica in the chaos run. Closed without an
      // error, a late consumer still sees a premature close and keeps nothing.
      if (currentFile && currentFile.listenerCount('error') > 0) currentFile.destroy(aborted);
      else currentFile?.destroy();
      fail(aborted);
    });
    request.pipe(parser);
  });
}
