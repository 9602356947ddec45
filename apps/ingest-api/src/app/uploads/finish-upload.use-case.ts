import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { checksumMismatch } from '../assets/asset-errors';
import type { AssetRecord, StoredFile } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { StorageClient } from '@media/internal-api';
import { type Actor, UploadTransitions } from './upload-transitions';

/** `upload_phase=finish`: storage makes the chunks one GridFS file (no copy), then the asset moves to processing. */
@Injectable()
export class FinishUploadUseCase {
  constructor(
    private readonly transitions: UploadTransitions,
    private readonly storage: StorageClient,
  ) {}

  /** `sha256`, when given, is the hex digest the client expects of the whole file. */
  execute(actor: Actor, id: string, sha256?: string): Promise<AssetRecord> {
    const tenant = tenantIdOf(actor.principal);
    return this.transitions.apply(tenant, id, () => ({ kind: 'finish', now: Date.now() }), {
      actor,
      changes: async (record) => {
        const name = record.original_name ?? record.name;
        const mimeType = record.mime_type ?? 'application/octet-stream';
        // Idempotent in storage: a finish retried after a lost race gets the same file back.
        const stored = await this.storage.completeUpload(record.upload.upload_id, {
          length: record.upload.fileSize,
          file_name: name,
          content_type: mimeType,
          role: 'original',
          asset_id: id,
          tenant,
        });
        if (sha256 && sha256 !== stored.sha256) throw checksumMismatch(`the uploaded bytes have sha256 ${stored.sha256}, not ${sha256}`);
        const file: StoredFile = { id: randomUUID(), storage_file_id: stored.file_id, role: 'original', file: name, mime_type: mimeType, size: stored.length, created_on: new Date() };
        return { status: 'processing', file_size: stored.length, sha256: stored.sha256, files: [file] };
      },
    });
  }
}
