import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { type AssetLabel, assetLabelSchema } from '@media/asset-model';
import type { DirectUploadGrant, Principal } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import { startUploadSchema } from '../assets/asset-input';
import type { AssetRecord } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { AssetsService } from '../assets/assets.service';
import { parseOr400 } from '../http/request-parsing';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { FinishUploadUseCase } from '../uploads/finish-upload.use-case';
import { refusalError } from '../uploads/refusal.error';
import { StartUploadUseCase } from '../uploads/start-upload.use-case';
import { TransferChunkUseCase } from '../uploads/transfer-chunk.use-case';
import { UploadMetrics } from '../uploads/upload.metrics';
import { type Actor, UploadTransitions } from '../uploads/upload-transitions';
import type { TusMetadata } from './tus-headers';

/** Where a tus upload stands: what HEAD and PATCH answer. */
export interface TusState {
  id: string;
  offset: number;
  length: number;
  /** While the upload is open: when it expires (epoch ms). */
  expiresAt: number | null;
}

/** One PATCH body (or the body of a creation-with-upload), not yet read. */
export interface TusBody {
  stream: IncomingMessage;
  /** `Content-Length`, when the client sent one. */
  length: number | undefined;
  /** Base64 SHA-256 the client claims for the body. */
  checksum: string | undefined;
}

/** The problem a checksum mismatch is, with the status the tus checksum extension gives it. */
export const tusChecksumMismatch = () =>
  new DomainError(460, 'checksum_mismatch', 'Checksum mismatch', 'the body does not match Upload-Checksum; none of it was kept');

const directGrantOf = (principal: Principal): DirectUploadGrant | undefined => (principal as Principal & { directUpload?: DirectUploadGrant }).directUpload;

/**
 * tus on top of the seed protocol's use cases: a creation is a start, a PATCH is one transfer at the
 * client's offset, and the PATCH that brings the last byte runs the same finish. So there is one state
 * machine, one lease per transfer and one set of events: a finished tus upload is an asset like any other.
 */
@Injectable()
export class TusUploadsHandler {
  constructor(
    private readonly starts: StartUploadUseCase,
    private readonly transfers: TransferChunkUseCase,
    private readonly finishes: FinishUploadUseCase,
    private readonly transitions: UploadTransitions,
    private readonly assets: AssetsService,
    private readonly metrics: UploadMetrics,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  /** Creation: a new asset in `uploading` whose size is `length`. */
  async create(actor: Actor, length: number, metadata: TusMetadata): Promise<AssetRecord> {
    const grant = directGrantOf(actor.principal);
    const maxSize = Math.min(this.config.UPLOAD_MAX_FILE_SIZE, grant?.maxSize ?? Infinity);
    if (length > maxSize) {
      throw new DomainError(413, 'file_too_large', 'File too large', `Upload-Length may be at most ${maxSize} bytes`, { max_size: maxSize });
    }
    if (metadata.label !== undefined && !assetLabelSchema.safeParse(metadata.label).success) {
      throw new DomainError(400, 'invalid_upload_metadata', 'Invalid Upload-Metadata', `label must be one of ${assetLabelSchema.options.join(', ')}`);
    }
    const fixed = grant?.metadata ?? {};
    const input = parseOr400(
      startUploadSchema,
      {
        upload_phase: 'start',
        file_size: length,
        ...(metadata.label ? { label: metadata.label } : {}),
        ...(metadata.name ? { name: metadata.name } : {}),
        ...(metadata.filename ? { original_name: metadata.filename } : {}),
        // What the backend that issued a direct upload decided wins over what the browser sends.
        ...fixed,
      },
      'invalid_upload_metadata',
    );
    if (!grant) return this.starts.execute(actor, input);
    const allowed = grant.allowedLabels as AssetLabel[];
    if (input.label && input.label !== 'File' && allowed.length > 0 && !allowed.includes(input.label)) {
      throw new DomainError(400, 'label_not_allowed', 'Label not allowed', `this upload takes ${allowed.join(', ')}`, { allowed_labels: allowed });
    }
    return this.starts.execute(actor, input, { id: grant.assetId, allowedLabels: allowed });
  }

  /** HEAD: the offset to resume from. An upload whose bytes all arrived but whose finish was cut short is finished now. */
  async state(actor: Actor, id: string): Promise<TusState> {
    const tenant = tenantIdOf(actor.principal);
    const open = await this.transitions.requireUpload(tenant, id);
    const upload = open.upload;
    let record: AssetRecord = open;
    if (upload.expired || (record.status === 'uploading' && Date.now() >= upload.expiresAt)) {
      throw refusalError({ code: 'upload_expired', status: 410, detail: 'the upload expired; start a new one' });
    }
    if (record.status === 'uploading' && upload.received === upload.fileSize && upload.transfer === null) {
      record = await this.finishes.execute(actor, id);
    }
    return stateOf(record);
  }

  /** PATCH: one transfer at `offset`, kept whole or not at all; the last one finishes the upload. */
  async patch(actor: Actor, id: string, offset: number, body: TusBody): Promise<TusState> {
    if (body.length !== undefined && body.length > this.config.UPLOAD_MAX_CHUNK_SIZE) {
      // Refused before a byte is read: a client that ignores the limit does not get to stream it first.
      throw new DomainError(413, 'chunk_too_large', 'Chunk too large', `one PATCH may carry at most ${this.config.UPLOAD_MAX_CHUNK_SIZE} bytes`, {
        max_chunk_size: this.config.UPLOAD_MAX_CHUNK_SIZE,
      });
    }
    try {
      // Upload-Checksum is a header: known before the bytes, so storage hashes the chunk only when it is sent.
      const chunk = await this.transfers.store(actor, id, body.stream, offset, { chunkSha256: body.checksum !== undefined });
      if (body.checksum !== undefined && body.checksum !== (await this.transfers.sha256Of(tenantIdOf(actor.principal), id, chunk))) {
        await this.transfers.abort(tenantIdOf(actor.principal), id, chunk.transferId);
        throw tusChecksumMismatch();
      }
      const offsets = await this.transfers.commit(actor, id, chunk, {});
      this.metrics.chunkCommitted(chunk.bytes);
      if (offsets.start_offset < offsets.file_size) {
        return { id, offset: offsets.start_offset, length: offsets.file_size, expiresAt: await this.expiryOf(actor, id) };
      }
    } catch (error) {
      this.metrics.chunkRejected(error);
      throw error;
    }
    return stateOf(await this.finishes.execute(actor, id));
  }

  /** Termination: an unfinished upload is deleted (events and byte collection as any deletion); a finished asset stays. */
  async terminate(actor: Actor, id: string): Promise<void> {
    const record = await this.transitions.requireUpload(tenantIdOf(actor.principal), id);
    if (record.status !== 'uploading') {
      throw refusalError({ code: 'upload_not_open', status: 409, detail: 'the upload is finished; delete the asset instead' });
    }
    await this.assets.remove(actor, id, undefined);
  }

  private async expiryOf(actor: Actor, id: string): Promise<number | null> {
    const record = await this.transitions.requireUpload(tenantIdOf(actor.principal), id);
    return stateOf(record).expiresAt;
  }
}

function stateOf(record: AssetRecord): TusState {
  const upload = record.upload;
  if (!upload) return { id: record._id, offset: record.file_size ?? 0, length: record.file_size ?? 0, expiresAt: null };
  const open = record.status === 'uploading';
  return { id: record._id, offset: open ? upload.received : upload.fileSize, length: upload.fileSize, expiresAt: open ? upload.expiresAt : null };
}
