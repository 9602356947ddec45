import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@media/service-kit';
import { GridFsRepository, type StoredFile } from '../files/grid-fs.repository';
import { bodyFailureToProblem, limitedBody } from '../http/request-body.reader';
import type { AbandonUploadRequest, ChunkSha256Request, ChunkTransferRequest, CompleteUploadRequest } from '../http/storage-request.schemas';
import { GRIDFS_CHUNK_SIZE } from '../storage.constants';
import { planCompletion, planTransfer } from './chunk-layout.util';
import { ChunkedUploadRepository, type UploadOwner, type UploadPart } from './chunked-upload.repository';
import { RunningHashes } from './running-hashes';

export interface TransferReceipt {
  bytes: number;
  start_offset: number;
  end_offset: number;
  /**
   * SHA-256 of this transfer's bytes alone, base64, for the caller to compare with the client's checksum;
   * absent when the caller asked for none (`chunkSha256: false`).
   */
  chunk_sha256?: string;
}

export interface ChunkSha256 {
  chunk_sha256: string;
}

export interface CompletedUpload {
  file_id: string;
  length: number;
  sha256: string;
}

/**
 * Resumable uploads, written once and never copied. The caller (ingest-api) holds a lease per upload, so
 * at most one transfer or completion runs for it at a time, and it tells us the committed offset; storage
 * does not know whether a successful transfer gets committed, so whatever lies past the committed offset
 * is treated as garbage by the next transfer.
 */
@Injectable()
export class ResumableUploadService {
  private readonly logger = new Logger(ResumableUploadService.name);

  constructor(
    private readonly uploads: ChunkedUploadRepository,
    private readonly gridFs: GridFsRepository,
    private readonly hashes: RunningHashes,
  ) {}

  async transfer(body: Readable, request: ChunkTransferRequest, declaredLength?: number): Promise<TransferReceipt> {
    const { uploadId, offset, maxBytes, owner } = request;
    if (await this.gridFs.findFileOfAnyTenant(uploadId)) {
      throw new DomainError(409, 'upload_completed', 'Upload already completed', `Upload ${uploadId} is already a file.`);
    }
    assertOwner(await this.uploads.register(uploadId, owner, new Date()), owner, uploadId);

    const plan = planTransfer(offset, 0, GRIDFS_CHUNK_SIZE);
    const part = await this.committedPart(uploadId, offset);
    if (part.tail.length !== plan.carriedBytes) throw stateMismatch(uploadId, offset, 'its saved tail does not end at this offset');
    const wholeFile = await this.wholeFileHash(uploadId, offset, plan.firstN, part.tail);

    await this.uploads.discardLeftovers(uploadId, plan.firstN, offset);
    const writer = this.gridFs.chunkWriter(uploadId, plan.firstN, part.tail);
    // A second SHA-256 pass over every byte: made only when the caller may compare it with a client's checksum.
    const chunkHash = request.chunkSha256 ? createHash('sha256') : undefined;
    let bytes = 0;
    try {
      for await (const piece of limitedBody(body, maxBytes, declaredLength)) {
        bytes += piece.length;
        chunkHash?.update(piece);
        wholeFile.update(piece);
        // At most one insert in flight and one batch filling: bounded memory, backpressure on the client.
        await writer.write(piece);
      }
      if (bytes === 0) throw new DomainError(400, 'empty_chunk', 'Empty chunk', 'A transfer carries at least one byte.');
      const tail = await writer.end({ tailAsLastChunk: false });
      await this.uploads.savePart(uploadId, { offset: offset + bytes, tail }, new Date());
    } catch (error) {
      // All or nothing: the chunk docs this transfer wrote go; the committed state was never touched.
      await writer.settle();
      await this.discardQuietly(uploadId, plan.firstN);
      throw bodyFailureToProblem(error, 'chunk_too_large');
    }
    this.hashes.keep(uploadId, offset + bytes, wholeFile);
    return { bytes, start_offset: offset, end_offset: offset + bytes, ...(chunkHash ? { chunk_sha256: chunkHash.digest('base64') } : {}) };
  }

  /**
   * The SHA-256 of what the transfer from `offset` to `end` stored, read back: for a client's checksum that
   * arrived only after the bytes had been sent without one. The caller still holds that transfer's lease, so
   * its chunk documents and the part it saved at `end` are as it left them: the chunks from the one that
   * holds `offset` up to the one `end` falls in, then the tail saved at `end`, less the bytes before `offset`.
   */
  async chunkSha256(request: ChunkSha256Request): Promise<ChunkSha256> {
    const { uploadId, offset, end, owner } = request;
    const registered = await this.uploads.findOwner(uploadId);
    if (!registered) throw stateMismatch(uploadId, offset, 'no chunk of it was received');
    assertOwner(registered, owner, uploadId);
    const from = planTransfer(offset, end - offset, GRIDFS_CHUNK_SIZE);
    const part = await this.uploads.findPart(uploadId, end);
    if (!part || part.tail.length !== from.tail.length) throw stateMismatch(uploadId, end, 'no transfer ended at this offset');
    const hash = createHash('sha256');
    let skip = from.carriedBytes;
    const chunks = this.gridFs.chunkData(uploadId, from.writes.fromN, from.writes.toN - 1, () => GRIDFS_CHUNK_SIZE);
    for await (const data of chunks) {
      hash.update(data.subarray(skip));
      skip = 0;
    }
    hash.update(part.tail.subarray(skip));
    return { chunk_sha256: hash.digest('base64') };
  }

  /**
   * Makes the upload one GridFS file: writes the final short chunk from the saved tail, then the
   * `fs.files` document. A handful of single-document writes whatever the file size; repeating it
   * answers the same.
   */
  async complete(request: CompleteUploadRequest): Promise<CompletedUpload> {
    const { uploadId, length, owner } = request;
    const existing = await this.gridFs.findFileOfAnyTenant(uploadId);
    if (existing) return this.alreadyCompleted(existing, request);

    const registered = await this.uploads.findOwner(uploadId);
    if (registered) assertOwner(registered, owner, uploadId);
    else if (length > 0) throw stateMismatch(uploadId, length, 'no chunk of it was received');

    const plan = planCompletion(length, GRIDFS_CHUNK_SIZE);
    const part = await this.committedPart(uploadId, length);
    if (part.tail.length !== (plan.tailChunk?.length ?? 0)) throw stateMismatch(uploadId, length, 'its saved tail does not end at this length');
    if (plan.lastTransferredN !== null && !(await this.uploads.hasChunk(uploadId, plan.lastTransferredN))) {
      throw stateMismatch(uploadId, length, 'chunks before this length are missing');
    }
    const sha256 = (await this.wholeFileHash(uploadId, length, plan.chunkCount - (plan.tailChunk ? 1 : 0), part.tail)).digest('hex');

    // Chunks past the end can only come from transfers that were never committed.
    await this.uploads.discardChunksFrom(uploadId, plan.chunkCount);
    if (plan.tailChunk) await this.uploads.putChunk(uploadId, plan.tailChunk.n, part.tail);
    const inserted = await this.gridFs.insertFileDocument(
      {
        id: uploadId,
        length,
        chunkSize: GRIDFS_CHUNK_SIZE,
        filename: request.fileName,
        metadata: { asset_id: owner.assetId, tenant: owner.tenant, role: request.role, content_type: request.contentType, sha256 },
      },
      new Date(),
    );
    if (!inserted) {
      const raced = await this.gridFs.findFileOfAnyTenant(uploadId);
      if (raced) return this.alreadyCompleted(raced, request);
    }
    await this.uploads.forgetUpload(uploadId);
    this.hashes.forget(uploadId);
    return { file_id: uploadId, length, sha256 };
  }

  /**
   * Removes every byte of an upload that will never be completed (a variant whose store failed half-way),
   * so nothing partial waits for the collector. A completed file is never touched: that is a 409. Removing
   * an upload that is not there answers the same as removing it.
   */
  async abandon(request: AbandonUploadRequest): Promise<void> {
    const { uploadId, owner } = request;
    if (await this.gridFs.findFileOfAnyTenant(uploadId)) {
      throw new DomainError(409, 'upload_completed', 'Upload already completed', `Upload ${uploadId} is already a file.`);
    }
    const registered = await this.uploads.findOwner(uploadId);
    if (!registered) return;
    assertOwner(registered, owner, uploadId);
    await this.uploads.deleteUpload(uploadId);
    this.hashes.forget(uploadId);
  }

  private async alreadyCompleted(file: StoredFile, request: CompleteUploadRequest): Promise<CompletedUpload> {
    assertOwner({ assetId: file.metadata.asset_id, tenant: file.metadata.tenant }, request.owner, request.uploadId);
    if (file.length !== request.length) {
      throw stateMismatch(request.uploadId, request.length, `it was completed with ${file.length} bytes`);
    }
    // A completion that died after writing the file document may have left the bookkeeping behind.
    await this.uploads.forgetUpload(request.uploadId);
    return { file_id: file.id, length: file.length, sha256: file.metadata.sha256 ?? '' };
  }

  /**
   * The whole-file hash after `offset` bytes: the state this process kept when the transfer ending there
   * went through it, or else (the upload moved here from another replica, or this one restarted) rebuilt
   * once from the stored bytes: the whole chunks before `wholeChunks`, then the saved tail.
   */
  private async wholeFileHash(uploadId: string, offset: number, wholeChunks: number, tail: Buffer): Promise<Hash> {
    const kept = offset === 0 ? RunningHashes.fresh() : this.hashes.take(uploadId, offset);
    if (kept) return kept;
    const rebuilt = RunningHashes.fresh();
    for await (const data of this.gridFs.chunkData(uploadId, 0, wholeChunks - 1, () => GRIDFS_CHUNK_SIZE)) rebuilt.update(data);
    rebuilt.update(tail);
    this.logger.log({ upload_id: uploadId, offset }, 'rebuilt the running hash of an upload from its stored bytes');
    return rebuilt;
  }

  /** The committed state at `offset`: nothing at 0, otherwise the part the transfer ending there saved. */
  private async committedPart(uploadId: string, offset: number): Promise<Pick<UploadPart, 'tail'>> {
    if (offset === 0) return { tail: Buffer.alloc(0) };
    const part = await this.uploads.findPart(uploadId, offset);
    if (!part) throw stateMismatch(uploadId, offset, 'no transfer ended at this offset');
    return part;
  }

  private async discardQuietly(uploadId: string, fromN: number): Promise<void> {
    try {
      await this.uploads.discardChunksFrom(uploadId, fromN);
    } catch (error) {
      // The next transfer at the committed offset removes them anyway; losing this cleanup costs space only.
      this.logger.warn({ err: error, upload_id: uploadId, from_n: fromN }, 'could not discard the chunks of a failed transfer');
    }
  }
}

function assertOwner(registered: UploadOwner, claimed: UploadOwner, uploadId: string): void {
  if (registered.assetId !== claimed.assetId || registered.tenant !== claimed.tenant) {
    throw new DomainError(409, 'upload_owner_mismatch', 'Upload belongs to another asset', `Upload ${uploadId} belongs to another asset or tenant.`);
  }
}

function stateMismatch(uploadId: string, offset: number, why: string): DomainError {
  return new DomainError(409, 'upload_state_mismatch', 'Upload state mismatch', `Upload ${uploadId} cannot continue at ${offset}: ${why}.`, {
    offset,
  });
}
