import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectId } from 'mongodb';
import type { AssetLabel } from '@media/asset-model';
import { DomainError } from '@media/service-kit';
import { startUpload } from '@media/upload-state-machine';
import { cleanFileName, type StartUploadInput } from '../assets/asset-input';
import { emptyAsset, metadataChanges } from '../assets/asset-factory';
import type { AssetRecord } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { AssetRepository } from '../assets/asset.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { refusalError } from './refusal.error';
import { type Actor, UploadTransitions } from './upload-transitions';

/** A direct upload's terms: the asset id its token reserved, and the kinds of file it may turn out to be. */
export interface ReservedUpload {
  id: string;
  allowedLabels: AssetLabel[];
}

/** `upload_phase=start` (and a tus creation): a new asset in `uploading`, with the offsets of its first chunk. */
@Injectable()
export class StartUploadUseCase {
  constructor(
    private readonly assets: AssetRepository,
    private readonly transitions: UploadTransitions,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  async execute(actor: Actor, input: StartUploadInput, reserved?: ReservedUpload): Promise<AssetRecord> {
    const now = new Date();
    const opened = startUpload({
      fileSize: input.file_size,
      chunkSize: this.config.UPLOAD_CHUNK_SIZE,
      maxChunkSize: this.config.UPLOAD_MAX_CHUNK_SIZE,
      maxFileSize: this.config.UPLOAD_MAX_FILE_SIZE,
      ttlMs: this.config.UPLOAD_TTL_SECONDS * 1000,
      now: now.getTime(),
    });
    if (!opened.ok) throw refusalError(opened.refusal);
    const id = reserved?.id ?? randomUUID();
    const originalName = cleanFileName(input.original_name) ?? null;
    const inserted = this.assets.insert(
      {
        ...emptyAsset(id, tenantIdOf(actor.principal), now),
        ...metadataChanges(input),
        name: input.name ?? originalName ?? 'Untitled',
        label: input.label ?? 'File',
        original_name: originalName,
        file_size: input.file_size,
        // Storage names stored files by ObjectId: the upload's chunks become the GridFS file of this id.
        upload: {
          ...opened.session,
          upload_id: new ObjectId().toHexString(),
          declared_label: input.label ?? null,
          ...(reserved && reserved.allowedLabels.length > 0 ? { allowed_labels: reserved.allowedLabels } : {}),
        },
      },
      opened.events,
      this.transitions.eventContext(actor),
    );
    if (!reserved) return inserted;
    // A reserved id is good for one asset: a second creation with the same token finds it taken.
    return inserted.catch((error: unknown) => {
      if ((error as { code?: unknown } | null)?.code === 11000) {
        throw new DomainError(409, 'direct_upload_used', 'Direct upload already used', 'this upload token already created its asset; resume that upload instead');
      }
      throw error;
    });
  }
}
