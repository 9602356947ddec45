import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { multipartBody } from '@media/testing';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the process's exit. */
  ms: number;
}

/** Sends SIGTERM and resolves when the process is gone, with how it ended and how long it took. */
export function terminate(child: ChildProcess): Promise<Exit> {
  const sent = Date.now();
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - sent })));
  child.kill('SIGTERM');
  return exited;
}

export interface SlowOutcome {
  status?: number;
  body?: Record<string, unknown>;
  connection?: string;
  /** The connection failed before an answer arrived. */
  error?: string;
  sentBytes: number;
}

/**
 * A chunk transfer from a slow client: the multipart body goes out in `pieces` equal parts,
 * `intervalMs` apart. Stops sending once an answer arrives (as clients of an early refusal should).
 */
export function slowTransfer(url: string, token: string, chunk: Buffer, { pieces, intervalMs }: { pieces: number; intervalMs: number }): Promise<SlowOutcome> {
  const { body, contentType } = multipartBody([
    { name: 'upload_phase', value: 'transfer' },
    { name: 'file_chunk', value: chunk, filename: 'chunk.bin' },
  ]);
  return new Promise((resolve) => {
    let sentBytes = 0;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const req = request(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'content-type': contentType, 'content-length': String(body.length) },
    });
    const finish = (outcome: Omit<SlowOutcome, 'sentBytes'>) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      resolve({ ...outcome, sentBytes });
    };
    req.on('error', (error) => finish({ error: error.message }));
    req.on('response', (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('error', (error) => finish({ error: error.message }));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { text };
        }
        finish({ status: response.statusCode, body: parsed, connection: response.headers.connection });
      });
    });
    const size = Math.ceil(body.length / pieces);
    const sendNext = () => {
      if (answered || sentBytes >= body.length) return;
      const piece = body.subarray(sentBytes, sentBytes + size);
      sentBytes += piece.length;
      if (sentBytes >= body.length) req.end(piece);
      else {
        req.write(piece);
        timer = setTimeout(sendNext, intervalMs);
      }
    };
    sendNext();
  });
}

export function randomFile(bytes: number): { bytes: Buffer; sha256: string } {
  const data = randomBytes(bytes);
  return { bytes: data, sha256: createHash('sha256').update(data).digest('hex') };
}

export function sha256(data: Buffer | ArrayBuffer): string {
  return createHash('sha256').update(Buffer.from(data as ArrayBuffer)).digest('hex');
}
