import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@media/service-kit';
import { contentDisposition } from '../http/content-disposition.util';
import { type ConditionalHeaders, contentRange, decideDownload, unsatisfiedContentRange } from '../http/download-response.policy';
import { entityTag } from '../http/entity-tag.util';
import { GRIDFS_CHUNK_SIZE } from '../storage.constants';
import { prefetchableChunks } from './chunk-range.util';
import { GridFsRepository, type PrefetchedChunks, type StoredFile } from './grid-fs.repository';

/**
 * A range of up to this many chunks (2 MiB) is read together with the file lookup: one round trip less
 * for the short random reads of a video player, at the cost of a wasted read when the file is not found.
 */
const PREFETCH_MAX_CHUNKS = 8;

export interface PreparedDownload {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  /** Opens the byte stream; absent when there is no body to send (304, or an empty file). */
  open?: () => Readable;
}

/** Turns a file id and the request's conditional headers into a status, headers and a lazily opened stream. */
@Injectable()
export class FileDownloadService {
  constructor(private readonly gridFs: GridFsRepository) {}

  /** `withBody` false (HEAD) reads no chunk ahead. */
  async prepare(fileId: string, tenant: string, conditions: ConditionalHeaders, withBody = true): Promise<PreparedDownload> {
    const ahead = withBody ? prefetchableChunks(conditions, GRIDFS_CHUNK_SIZE, PREFETCH_MAX_CHUNKS) : null;
    const [file, prefetched] = await Promise.all([
      this.gridFs.findFile(fileId, tenant),
      // A failed read ahead is not the answer's failure: the range is then read as usual.
      ahead ? this.gridFs.prefetchChunks(fileId, ahead.firstN, ahead.lastN).catch(() => undefined) : undefined,
    ]);
    if (!file) throw new DomainError(404, 'file_not_found', 'File not found', `There is no file ${fileId}.`);
    const etag = entityTag(file.id, file.metadata.sha256, file);
    const validators = { ETag: etag, 'Last-Modified': file.uploadDate.toUTCString() };
    const decision = decideDownload({ length: file.length, etag }, conditions);

    switch (decision.kind) {
      case 'not_modified':
        return { status: 304, headers: validators };
      case 'unsatisfiable':
        throw new DomainError(
          416,
          'range_not_satisfiable',
          'Range not satisfiable',
          `The file has ${file.length} bytes.`,
          { length: file.length },
          { 'Content-Range': unsatisfiedContentRange(file.length), 'Accept-Ranges': 'bytes' },
        );
      case 'full':
      case 'partial': {
        const representation: Record<string, string> = {
          ...validators,
          'Accept-Ranges': 'bytes',
          'Content-Type': file.metadata.content_type,
          'Content-Disposition': contentDisposition(file.filename),
          // The stored type is the uploader's claim; browsers must not second-guess it into something executable.
          'X-Content-Type-Options': 'nosniff',
          ...(file.metadata.sha256 ? { 'Repr-Digest': `sha-256=:${Buffer.from(file.metadata.sha256, 'hex').toString('base64')}:` } : {}),
        };
        if (decision.kind === 'full') {
          return {
            status: 200,
            headers: { ...representation, 'Content-Length': String(file.length) },
            ...(file.length > 0 ? { open: () => this.gridFs.openDownload(file) } : {}),
          };
        }
        const range = { start: decision.start, end: decision.end };
        return {
          status: 206,
          headers: { ...representation, 'Content-Length': String(range.end - range.start + 1), 'Content-Range': contentRange(range, file.length) },
          open: () => this.gridFs.openDownload(file, range, usablePrefetch(file, prefetched)),
        };
      }
    }
  }
}

/** Chunks read ahead count only for a file of the chunk size they were chosen by; the tenant check came first. */
function usablePrefetch(file: StoredFile, prefetched: PrefetchedChunks | undefined): PrefetchedChunks | undefined {
  return prefetched && file.chunkSize === GRIDFS_CHUNK_SIZE ? prefetched : undefined;
}
