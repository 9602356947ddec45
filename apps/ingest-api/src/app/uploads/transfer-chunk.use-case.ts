import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { AssetLabel } from '@media/asset-model';
import { DomainError } from '@media/service-kit';
import { chunkAllowance, offsetsOf, overflowRefusal, type UploadOffsets } from '@media/upload-state-machine';
import { checksumMismatch } from '../assets/asset-errors';
import type { AssetRecord, OpenUpload, TenantId } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { AssetRepository } from '../assets/asset.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { type MediaKind, SNIFF_BYTES, sniffMediaKind } from '../media/media-kind';
import { StorageClient, StorageRefusal } from '@media/internal-api';
import { peekHead } from './peek-head';
import { refusalError } from './refusal.error';
import { type Actor, UploadTransitions } from './upload-transitions';

/** A chunk stored by storage, not yet counted: the upload's lease is still held by it. */
export interface StoredChunk {
  transferId: string;
  /** Storage's id of the upload the chunk went into. */
  uploadId: string;
  offset: number;
  bytes: number;
  /** Base64 SHA-256 of the chunk, as storage computed it while writing; absent unless `store` asked for it. */
  chunkSha256?: string;
  /** What the first chunk showed the file to be. */
  kind?: MediaKind;
}

/** What the form said about the chunk besides its bytes; fields after the file part are known only now. */
export interface ChunkClaims {
  startOffset?: number;
  /** Base64 SHA-256 the client computed. */
  checksum?: string;
  originalName?: string;
}

/**
 * `upload_phase=transfer`: one chunk, all or nothing. `store` takes the upload's lease and streams the
 * bytes to storage; `commit` checks what the form claimed and moves the offsets; `abort` gives the lease
 * back so that the chunk's bytes are overwritten by the next transfer.
 */
@Injectable()
export class TransferChunkUseCase {
  constructor(
    private readonly transitions: UploadTransitions,
    private readonly assets: AssetRepository,
    private readonly storage: StorageClient,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  /**
   * Takes the lease, streams the chunk to storage (renewing the lease while bytes flow). `chunkSha256`:
   * whether storage hashes the chunk on the way, for a checksum known before the bytes; without it, a
   * checksum that turns up later is still checked, from the stored bytes (`commit`), at the cost of reading them back.
   */
  async store(actor: Actor, id: string, source: Readable, startOffset: number | undefined, { chunkSha256 = true }: { chunkSha256?: boolean } = {}): Promise<StoredChunk> {
    const tenant = tenantIdOf(actor.principal);
    const transferId = randomUUID();
    const leaseMs = this.config.UPLOAD_LEASE_SECONDS * 1000;
    const record = await this.transitions.apply(tenant, id, () => ({ kind: 'begin_transfer', transferId, startOffset, now: Date.now(), leaseMs }));
    const upload = record.upload as OpenUpload;
    const offset = upload.received;
    const renewal = setInterval(() => {
      void this.assets.renewTransferLease(tenant, id, transferId, Date.now() + leaseMs).catch(() => undefined);
    }, Math.max(1000, leaseMs / 3));
    try {
      let kind: MediaKind | undefined;
      let body: Readable = source;
      if (offset === 0) {
        // The first chunk decides what the file is; a declared Video that is not one is refused now.
        const peeked = await peekHead(source, SNIFF_BYTES);
        kind = await sniffMediaKind(peeked.head);
        assertDeclaredLabel(upload.declared_label, kind);
        assertAllowedLabel(upload.allowed_labels, kind);
        body = peeked.stream;
      }
      const chunk = await this.storage
        .putChunk(upload.upload_id, body, { assetId: id, tenant, offset, maxBytes: chunkAllowance(upload).maxBytes, chunkSha256 })
        .catch((error: unknown) => {
          if (error instanceof StorageRefusal && error.code === 'chunk_too_large') throw refusalError(overflowRefusal(upload));
          throw error;
        });
      return {
        transferId,
        uploadId: upload.upload_id,
        offset,
        bytes: chunk.bytes,
        ...(chunk.chunk_sha256 === undefined ? {} : { chunkSha256: chunk.chunk_sha256 }),
        ...(kind ? { kind } : {}),
      };
    } catch (error) {
      await this.abort(tenant, id, transferId);
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }

  /** Checks the form's claims against the stored chunk and counts it; a failed check keeps no byte. */
  async commit(actor: Actor, id: string, chunk: StoredChunk, claims: ChunkClaims): Promise<UploadOffsets & { id: string }> {
    const tenant = tenantIdOf(actor.principal);
    try {
      if (claims.startOffset !== undefined && claims.startOffset !== chunk.offset) {
        const record = await this.transitions.require(tenant, id);
        throw refusalError({
          code: 'offset_mismatch',
          status: 409,
          detail: `start_offset must be ${chunk.offset}`,
          offsets: record.upload ? offsetsOf(record.upload) : undefined,
          providedOffset: claims.startOffset,
        });
      }
      if (claims.checksum !== undefined && claims.checksum !== (await this.sha256Of(tenant, id, chunk))) {
        throw checksumMismatch('the chunk does not match its checksum; it was not kept');
      }
      const record = await this.transitions.apply(tenant, id, () => ({ kind: 'commit_transfer', transferId: chunk.transferId, bytes: chunk.bytes, now: Date.now() }), {
        changes: (current): Partial<AssetRecord> => ({
          ...(chunk.kind ? { label: chunk.kind.label, mime_type: chunk.kind.mimeType } : {}),
          ...(claims.originalName && !current.original_name ? { original_name: claims.originalName } : {}),
        }),
      });
      return { id, ...offsetsOf(record.upload as OpenUpload) };
    } catch (error) {
      await this.abort(tenant, id, chunk.transferId);
      throw error;
    }
  }

  /** The chunk's base64 SHA-256: storage's, made while writing, or else read back from what it stored. */
  async sha256Of(tenant: TenantId, id: string, chunk: StoredChunk): Promise<string> {
    if (chunk.chunkSha256 !== undefined) return chunk.chunkSha256;
    return this.storage.chunkSha256(chunk.uploadId, { assetId: id, tenant, offset: chunk.offset, end: chunk.offset + chunk.bytes });
  }

  /** Best effort: if this fails the lease simply runs out. */
  async abort(tenant: TenantId, id: string, transferId: string): Promise<void> {
    await this.transitions.apply(tenant, id, () => ({ kind: 'abort_transfer', transferId })).catch(() => undefined);
  }
}

function assertDeclaredLabel(declared: AssetLabel | null, kind: MediaKind): void {
  if (declared && declared !== 'File' && declared !== kind.label) {
    throw new DomainError(415, 'unsupported_media_type', 'Unsupported media type', `the upload was declared a ${declared}, but its bytes are ${kind.mimeType}`, {
      declared_label: declared,
      detected_mime_type: kind.mimeType,
    });
  }
}

function assertAllowedLabel(allowed: AssetLabel[] | undefined, kind: MediaKind): void {
  if (allowed && allowed.length > 0 && !allowed.includes(kind.label)) {
    throw new DomainError(415, 'unsupported_media_type', 'Unsupported media type', `this upload takes ${allowed.join(', ')}, but its bytes are ${kind.mimeType}`, {
      allowed_labels: allowed,
      detected_mime_type: kind.mimeType,
    });
  }
}
