import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { CdnFileRole } from '@media/asset-model';
import { ServiceTokenIssuer } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import { type ChunkResult, type ChunkSha256Result, STORAGE_AUDIENCE, type StoredFileResult } from './storage-api.contract';

export const STORAGE_URL = Symbol('STORAGE_URL');
export type { ChunkResult, ChunkSha256Result, StoredFileResult } from './storage-api.contract';

export interface FileIdentity {
  assetId: string;
  tenant: string;
}

/** A refusal from storage, with its problem code (e.g. `chunk_too_large`, `file_too_large`). */
export class StorageRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'StorageRefusal';
  }
}

/**
 * The storage service's internal HTTP API. Bodies are piped, so a slow storage write slows the client's
 * upload (backpressure) instead of filling memory. Every call carries ingest-api's service token.
 */
@Injectable()
export class StorageClient implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    @Inject(STORAGE_URL) private readonly baseUrl: string,
    private readonly identity: ServiceTokenIssuer,
  ) {}

  uploadFile(source: Readable, file: FileIdentity & { fileName: string; contentType: string; role: CdnFileRole; maxBytes: number }): Promise<StoredFileResult> {
    return this.streamTo<StoredFileResult>('POST', `/files?max_bytes=${file.maxBytes}`, source, {
      'x-asset-id': file.assetId,
      'x-tenant': file.tenant,
      'x-file-name': encodeURIComponent(file.fileName),
      'x-content-type': file.contentType,
      'x-role': file.role,
    });
  }

  /**
   * Stores one chunk. `chunkSha256: false` spares storage the chunk's own hash pass (the answer then has no
   * `chunk_sha256`): for a caller that knows no checksum will be compared, or that asks `chunkSha256` later.
   */
  putChunk(uploadId: string, source: Readable, chunk: FileIdentity & { offset: number; maxBytes: number; chunkSha256?: boolean }): Promise<ChunkResult> {
    const skipHash = chunk.chunkSha256 === false ? '&chunk_sha256=false' : '';
    return this.streamTo<ChunkResult>(
      'PUT',
      `/uploads/${encodeURIComponent(uploadId)}/chunks?offset=${chunk.offset}&max_bytes=${chunk.maxBytes}${skipHash}`,
      source,
      { 'x-asset-id': chunk.assetId, 'x-tenant': chunk.tenant },
    );
  }

  /** Base64 SHA-256 of the bytes the transfer from `offset` to `end` stored, read back from the database. */
  async chunkSha256(uploadId: string, chunk: FileIdentity & { offset: number; end: number }): Promise<string> {
    const response = await this.send('GET', `/uploads/${encodeURIComponent(uploadId)}/chunks/sha256?offset=${chunk.offset}&end=${chunk.end}`, {
      'x-asset-id': chunk.assetId,
      'x-tenant': chunk.tenant,
    });
    return (await readJson<ChunkSha256Result>(response)).chunk_sha256;
  }

  async completeUpload(
    uploadId: string,
    body: { length: number; file_name: string; content_type: string; role: CdnFileRole; asset_id: string; tenant: string },
  ): Promise<StoredFileResult> {
    const response = await this.send('POST', `/uploads/${encodeURIComponent(uploadId)}/complete`, {
      'content-type': 'application/json',
    }, JSON.stringify(body));
    return readJson<StoredFileResult>(response);
  }

  /** Opens a file for streaming to a client; the caller pipes (and must consume or destroy) the response. */
  openFile(fileId: string, headers: { tenant: string; range?: string; ifNoneMatch?: string; method: 'GET' | 'HEAD' }): Promise<IncomingMessage> {
    return this.send(headers.method, `/files/${encodeURIComponent(fileId)}`, {
      'x-tenant': headers.tenant,
      ...(headers.range ? { range: headers.range } : {}),
      ...(headers.ifNoneMatch ? { 'if-none-match': headers.ifNoneMatch } : {}),
    });
  }

  async deleteFile(fileId: string, tenant: string): Promise<void> {
    const response = await this.send('DELETE', `/files/${encodeURIComponent(fileId)}`, { 'x-tenant': tenant });
    await readJson(response, true);
  }

  /** Every image variant (`role=variant`) of an asset; the rest of its files stay. */
  async deleteVariants(assetId: string, tenant: string): Promise<number> {
    const listed = await this.send('GET', `/assets/${encodeURIComponent(assetId)}/files?role=variant`, { 'x-tenant': tenant });
    const { items } = await readJson<{ items: { file_id: string }[] }>(listed);
    for (const item of items) await this.deleteFile(item.file_id, tenant);
    return items.length;
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  private async streamTo<T>(method: string, path: string, source: Readable, headers: Record<string, string>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const request = httpRequest(url, {
      method,
      agent: this.agent,
      headers: { ...headers, authorization: await this.identity.authorization(STORAGE_AUDIENCE), 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    let requestFailed: unknown;
    const responded = new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', (error) => {
        requestFailed = error;
        reject(storageUnavailable(error));
      });
    });
    // Whichever way the race below ends, a late failure of the other side must not become an unhandled rejection.
    responded.catch(() => undefined);
    // Storage may answer before the body ends (a 413): the answer wins, and the upload is cut short.
    const sent = pipeline(source, request).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The pipeline reports storage's failure as its own: it is still storage that is unavailable.
    const response = await Promise.race([responded, sent.then(async (error) => (error ? Promise.reject(error === requestFailed ? storageUnavailable(error) : error) : responded))]);
    if (response.statusCode && response.statusCode >= 400) {
      source.unpipe(request);
      request.destroy();
    }
    return readJson<T>(response);
  }

  private async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<IncomingMessage> {
    const authorization = await this.identity.authorization(STORAGE_AUDIENCE);
    return new Promise((resolve, reject) => {
      const request = httpRequest(new URL(path, this.baseUrl), { method, agent: this.agent, headers: { ...headers, authorization } });
      request.once('response', resolve);
      request.once('error', (error) => reject(storageUnavailable(error)));
      request.end(body);
    });
  }
}

/**
 * Storage refused the connection or dropped it (restarting, draining at shutdown): nothing the client
 * sent is at fault and nothing of it was kept, so it is a 503 worth retrying, not an internal error.
 */
function storageUnavailable(error: unknown): DomainError {
  const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
  return new DomainError(503, 'storage_unavailable', 'Storage unavailable', `the storage service could not be reached (${reason}); retry shortly`, {}, { 'Retry-After': '1' });
}

async function readJson<T>(response: IncomingMessage, allowEmpty = false): Promise<T> {
  const chunks: Buffer[] = [];
  // Storage's JSON answers are small; file bodies never come through here.
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const status = response.statusCode ?? 500;
  // Storage failing (its database restarting, say) is no fault of the request: a 503 to retry, not a
  // 500 passed through to the client (the chaos run saw one during a database restart).
  if (status >= 500) {
    throw new DomainError(503, 'storage_unavailable', 'Storage unavailable', `the storage service failed (${status}); retry shortly`, {}, { 'Retry-After': '1' });
  }
  if (status >= 400) {
    let problem: { code?: string; detail?: string; title?: string } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // Not a problem document (a proxy's HTML page): keep the status.
    }
    throw new StorageRefusal(status, problem.code ?? 'storage_error', problem.detail ?? problem.title ?? `storage answered ${status}`);
  }
  if (!text && allowEmpty) return undefined as T;
  return JSON.parse(text) as T;
}
