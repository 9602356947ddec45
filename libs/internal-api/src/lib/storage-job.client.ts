import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { CdnFileRole, StoredFileRole } from '@media/asset-model';
import { ServiceTokenIssuer } from '@media/service-identity';

import { STORAGE_URL } from './storage.client';
import { STORAGE_AUDIENCE, type StoredFileResult } from './storage-api.contract';

/** A storage call did not get the answer it needed: the job is retried later, not failed. */
export class StorageUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'StorageUnavailableError';
  }
}

export type StoredFileReceipt = StoredFileResult;

/** No socket activity for this long ends a storage call (a hung storage must not hold a job forever). */
const IDLE_TIMEOUT_MS = 60_000;
/** Files the encoder writes are bounded by what the job's limits let processing produce; storage checks this. */
const MAX_RESULT_BYTES = 64 * 1024 * 1024 * 1024;

/**
 * The storage service's internal API as the encoder needs it. Bytes are streamed between storage and
 * the job's temporary folder, never held whole in memory. Every call carries the encoder's service token;
 * storage lets it read and add files, never delete them.
 */
@Injectable()
export class EncoderStorageClient implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    @Inject(STORAGE_URL) private readonly baseUrl: string,
    private readonly identity: ServiceTokenIssuer,
  ) {}

  /** The storage ids of the asset's original with this hash (normally one; any of them has the same bytes). */
  async findOriginal(assetId: string, tenant: string, sha256: string): Promise<string[]> {
    const path = `/assets/${encodeURIComponent(assetId)}/files?role=original&sha256=${sha256}`;
    const response = await this.send('GET', path, { 'x-tenant': tenant });
    const body = await readBody(response);
    if (response.statusCode !== 200) throw new StorageUnavailableError(`storage answered ${response.statusCode} to the original lookup: ${body.slice(0, 200)}`, response.statusCode);
    return (JSON.parse(body) as { items: { file_id: string }[] }).items.map((item) => item.file_id);
  }

  /** Streams a stored file into `target`; null when storage has no such file (deleted meanwhile). */
  async download(fileId: string, tenant: string, target: string): Promise<number | null> {
    const response = await this.send('GET', `/files/${encodeURIComponent(fileId)}`, { 'x-tenant': tenant });
    if (response.statusCode === 404) {
      response.resume();
      return null;
    }
    if (response.statusCode !== 200) {
      const body = await readBody(response);
      throw new StorageUnavailableError(`storage answered ${response.statusCode} to a download: ${body.slice(0, 200)}`, response.statusCode);
    }
    const expected = Number(response.headers['content-length']);
    let received = 0;
    response.on('data', (piece: Buffer) => (received += piece.length));
    await pipeline(response, createWriteStream(target, { flags: 'wx', mode: 0o600 })).catch((error: unknown) => {
      throw new StorageUnavailableError(`the download of ${fileId} broke off: ${error instanceof Error ? error.message : String(error)}`);
    });
    // A connection cut at the wrong moment can look like a normal end; the length tells them apart.
    if (Number.isFinite(expected) && received !== expected) throw new StorageUnavailableError(`the download of ${fileId} ended after ${received} of ${expected} bytes`);
    return received;
  }

  /** Streams a file of the job's output folder into storage as a file of the asset. */
  async upload(source: string, file: { assetId: string; tenant: string; fileName: string; contentType: string; role: CdnFileRole }): Promise<StoredFileReceipt> {
    const { size } = await stat(source);
    const answer = await this.streamFile('POST', `/files?max_bytes=${MAX_RESULT_BYTES}`, source, size, {
      'x-asset-id': file.assetId,
      'x-tenant': file.tenant,
      'x-file-name': encodeURIComponent(file.fileName),
      'x-content-type': file.contentType,
      'x-role': file.role,
    });
    if (answer.status !== 201) throw new StorageUnavailableError(`storage answered ${answer.status} to an upload of ${file.fileName}: ${answer.body.slice(0, 200)}`, answer.status);
    return JSON.parse(answer.body) as StoredFileReceipt;
  }

  /**
   * Stores bytes under an id the caller chose (one transfer, then completion): how an image variant gets
   * the id its gateway looks it up by. Storing the same id twice keeps the first file. The bytes are
   * in memory (a rendered variant, bounded by the maximum dimension), so nothing is written to disk first.
   */
  async storeAs(fileId: string, source: Buffer, file: { assetId: string; tenant: string; fileName: string; contentType: string; role: StoredFileRole }): Promise<void> {
    const size = source.length;
    const owner = { 'x-asset-id': file.assetId, 'x-tenant': file.tenant };
    const transfer = await this.streamFile('PUT', `/uploads/${encodeURIComponent(fileId)}/chunks?offset=0&max_bytes=${MAX_RESULT_BYTES}`, source, size, owner);
    // 409 upload_completed: another replica stored it first; the bytes are the same variant.
    if (transfer.status === 409 && transfer.body.includes('upload_completed')) return;
    if (transfer.status !== 200) throw new StorageUnavailableError(`storage answered ${transfer.status} to a variant transfer: ${transfer.body.slice(0, 200)}`, transfer.status);
    const body = JSON.stringify({ length: size, file_name: file.fileName, content_type: file.contentType, role: file.role, asset_id: file.assetId, tenant: file.tenant });
    const response = await this.send('POST', `/uploads/${encodeURIComponent(fileId)}/complete`, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
    const answer = await readBody(response);
    if (response.statusCode !== 200) throw new StorageUnavailableError(`storage answered ${response.statusCode} to a variant completion: ${answer.slice(0, 200)}`, response.statusCode);
  }

  /**
   * Removes what a failed `storeAs` may have left (a transfer that went through before the completion
   * failed), so no partial file waits in storage. A file that did get completed stays.
   */
  async abandonUpload(fileId: string, owner: { assetId: string; tenant: string }): Promise<void> {
    const response = await this.send('DELETE', `/uploads/${encodeURIComponent(fileId)}`, { 'x-asset-id': owner.assetId, 'x-tenant': owner.tenant });
    const body = await readBody(response);
    if (response.statusCode === 204 || (response.statusCode === 409 && body.includes('upload_completed'))) return;
    throw new StorageUnavailableError(`storage answered ${response.statusCode} to giving up an upload: ${body.slice(0, 200)}`, response.statusCode);
  }

  /** Whether storage has the file (a HEAD: no bytes move). */
  async exists(fileId: string, tenant: string): Promise<boolean> {
    const response = await this.send('HEAD', `/files/${encodeURIComponent(fileId)}`, { 'x-tenant': tenant });
    response.resume();
    if (response.statusCode === 200) return true;
    if (response.statusCode === 404) return false;
    throw new StorageUnavailableError(`storage answered ${response.statusCode} to a file check`, response.statusCode);
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  private async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<IncomingMessage> {
    const authorization = await this.identity.authorization(STORAGE_AUDIENCE);
    return new Promise((resolve, reject) => {
      const request = httpRequest(new URL(path, this.baseUrl), { method, agent: this.agent, headers: { ...headers, authorization }, timeout: IDLE_TIMEOUT_MS });
      request.on('timeout', () => request.destroy(new Error('storage did not answer in time')));
      request.once('response', resolve);
      request.once('error', (error) => reject(new StorageUnavailableError(`storage is unreachable: ${error.message}`)));
      request.end(body);
    });
  }

  /** Streams a local file (or bytes in memory) as a request body; the answer's status and (small) body. */
  private async streamFile(method: string, path: string, source: string | Buffer, size: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const request = httpRequest(new URL(path, this.baseUrl), {
      method,
      agent: this.agent,
      timeout: IDLE_TIMEOUT_MS,
      headers: { ...headers, authorization: await this.identity.authorization(STORAGE_AUDIENCE), 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    request.on('timeout', () => request.destroy(new Error('storage did not answer in time')));
    const responded = new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    // Whichever side fails first decides; the other side's late failure must not go unhandled.
    responded.catch(() => undefined);
    try {
      await pipeline(typeof source === 'string' ? createReadStream(source) : Readable.from([source]), request);
      const response = await responded;
      return { status: response.statusCode ?? 0, body: await readBody(response) };
    } catch (error) {
      throw new StorageUnavailableError(`a transfer to storage failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function readBody(response: IncomingMessage): Promise<string> {
  const pieces: Buffer[] = [];
  // Only storage's small JSON answers come through here; file bodies are piped to disk.
  for await (const piece of response) pieces.push(piece as Buffer);
  return Buffer.concat(pieces).toString('utf8');
}
