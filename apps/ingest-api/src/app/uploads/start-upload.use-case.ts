import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectId } from 'mongodb';
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

/** `upload_phase=start`: a new asset in `uploading`, with the offsets of its first chunk. */
@Injectable()
export class StartUploadUseCase {
  constructor(
    private readonly assets: AssetRepository,
    private readonly transitions: UploadTransitions,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  async execute(actor: Actor, input: StartUploadInput): Promise<AssetRecord> {
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
    const id = randomUUID();
    const originalName = cleanFileName(input.original_name) ?? null;
    return this.assets.insert(
      {
        ...emptyAsset(id, tenantIdOf(actor.principal), now),
        ...metadataChanges(input),
        name: input.name ?? originalName ?? 'Untitled',
        label: input.label ?? 'File',
        original_name: originalName,
        file_size: input.file_size,
        // Storage names stored files by ObjectId: the upload's chunks become the GridFS file of this id.
        upload: { ...opened.session, upload_id: new ObjectId().toHexString(), declared_label: input.label ?? null },
      },
      opened.events,
      this.transitions.eventContext(actor),
    );
  }
}
