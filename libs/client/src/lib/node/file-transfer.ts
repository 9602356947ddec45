import { createWriteStream } from 'node:fs';
import { openAsBlob } from 'node:fs';
import { readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { Asset } from '../api.types';
import { abortReason } from '../http/problem.error';
import { decideRetry } from '../http/retry.policy';
import { describeNetworkError, isNetworkError, sleep } from '../http/with-retries';
import { MediaAssetsClient, type MediaAssetsClientOptions } from '../media-assets.client';
import type { UploadSource } from '../upload/chunk-source';
import type { UploadOptions } from '../upload/uploader';
import { FileResumeStore } from './file-resume.store';

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | undefined;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes a previous, interrupted run had already written (continued with Range). */
  resumedFrom: number;
}

interface PartMeta {
  url: string;
  etag: string | null;
}

/** What `Content-Range: bytes a-b/total` (or `bytes * /total` of a 416) says the whole file's size is. */
function totalFromContentRange(value: string | null): number | undefined {
  const match = /\/(\d+)\s*$/.exec(value ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The client with what needs Node: uploads from a path and downloads to a file, both resumable across processes. */
export class NodeMediaAssetsClient extends MediaAssetsClient {
  constructor(options: MediaAssetsClientOptions & { stateDir?: string }) {
    super({ ...options, resumeStore: options.resumeStore ?? new FileResumeStore(options.stateDir) });
  }

  /** `upload()` that also takes a file path (then exactly `uploadFile`). */
  override upload(source: UploadSource | string, options: UploadOptions = {}): Promise<Asset> {
    return typeof source === 'string' ? this.uploadFile(source, options) : super.upload(source, options);
  }

  /**
   * Uploads a file by path, read from disk as it is sent. Its identity (real path, size, modification time)
   * keys the resume store: the same call after a crash or Ctrl-C, in any process, continues the same asset.
   */
  async uploadFile(file: string, options: UploadOptions = {}): Promise<Asset> {
    const real = await realpath(file);
    const info = await stat(real);
    if (!info.isFile()) throw new Error(`${file} is not a file`);
    const blob = await openAsBlob(real);
    return super.upload(blob, { filename: path.basename(real), resumeIdentity: `path:${real}:${info.size}:${Math.trunc(info.mtimeMs)}`, ...options });
  }

  /**
   * Downloads to `target` through `target.part`: a cut connection continues with Range in the same call, and a
   * later call (a new process) continues the part a killed one left, as long as the file's ETag is unchanged.
   */
  async downloadToFile(url: string, target: string, { signal, onProgress }: DownloadOptions = {}): Promise<DownloadResult> {
    const part = `${target}.part`;
    const metaFile = `${target}.part.json`;
    let offset = 0;
    let etag: string | undefined;
    try {
      const meta = JSON.parse(await readFile(metaFile, 'utf8')) as PartMeta;
      if (meta.url === url && meta.etag) {
        offset = (await stat(part)).size;
        etag = meta.etag;
      }
    } catch {
      // no earlier part: from the start
    }
    const resumedFrom = offset;
    let failures = 0;
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const response = await this.fetchFile(url, { fromByte: offset, ifRange: etag, signal });
      if (response.status === 416) {
        await response.body?.cancel();
        // The part is already whole (a run killed after its last byte), or the file shrank: then start over.
        if (offset > 0 && totalFromContentRange(response.headers.get('content-range')) === offset) break;
        offset = 0;
        etag = undefined;
        continue;
      }
      if (response.status === 200) offset = 0;
      const total = response.status === 206 ? totalFromContentRange(response.headers.get('content-range')) : Number(response.headers.get('content-length') ?? Number.NaN);
      etag = response.headers.get('etag') ?? undefined;
      await writeFile(metaFile, JSON.stringify({ url, etag: etag ?? null } satisfies PartMeta));
      const body = Readable.fromWeb(response.body as unknown as NodeWebStream<Uint8Array>);
      body.on('data', (piece: Buffer) => {
        offset += piece.byteLength;
        onProgress?.({ receivedBytes: offset, totalBytes: Number.isFinite(total) ? total : undefined });
      });
      try {
        await pipeline(body, createWriteStream(part, { flags: response.status === 206 ? 'a' : 'w' }));
        break;
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        if (!isNetworkError(error) && !(error instanceof Error && /terminated|socket|ECONNRESET|aborted/i.test(error.message))) throw error;
        const decision = decideRetry(failures, this.transport.policy);
        if (!decision.retry) throw new Error(`download of ${url} failed after ${failures + 1} attempts: ${describeNetworkError(error)}`);
        failures += 1;
        this.transport.retryContext().onRetry?.({ attempt: failures, delayMs: decision.delayMs, reason: `network: ${describeNetworkError(error)}` });
        offset = (await stat(part)).size;
        await sleep(decision.delayMs, signal);
      }
    }
    await rename(part, target);
    await rm(metaFile, { force: true });
    return { path: target, bytes: (await stat(target)).size, resumedFrom };
  }
}
