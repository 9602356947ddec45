import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@media/service-kit';
import type { StoredFile, TenantId } from '../assets/asset.record';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { type MediaKind, SNIFF_BYTES, sniffMediaKind } from '../media/media-kind';
import { StorageClient, StorageRefusal } from '@media/internal-api';
import { peekHead } from './peek-head';
import { UploadMetrics } from './upload.metrics';

export interface StoredOriginal {
  file: StoredFile;
  kind: MediaKind;
  name: string;
  sha256: string;
}

/** An asset's original sent in one request (a new asset's, or a replacement): judged by its first bytes, streamed to storage. */
@Injectable()
export class OriginalStore {
  private readonly logger = new Logger(OriginalStore.name);

  constructor(
    private readonly storage: StorageClient,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
    private readonly metrics: UploadMetrics,
  ) {}

  async store(tenant: TenantId, assetId: string, source: Readable, name: string): Promise<StoredOriginal> {
    const peeked = await peekHead(source, SNIFF_BYTES);
    const kind = await sniffMediaKind(peeked.head);
    const stored = await this.storage
      .uploadFile(peeked.stream, { assetId, tenant, fileName: name, contentType: kind.mimeType, role: 'original', maxBytes: this.config.UPLOAD_MAX_FILE_SIZE })
      .catch((error: unknown) => {
        if (error instanceof StorageRefusal && error.code === 'file_too_large') {
          throw new DomainError(413, 'file_too_large', 'File too large', `a file may have at most ${this.config.UPLOAD_MAX_FILE_SIZE} bytes`);
        }
        throw error;
      });
    if (stored.length === 0) {
      await this.storage.deleteFile(stored.file_id, tenant).catch(() => undefined);
      throw new DomainError(400, 'empty_file', 'Empty file', 'the source file has no bytes');
    }
    this.metrics.fileStored(stored.length);
    return {
      file: { id: randomUUID(), storage_file_id: stored.file_id, role: 'original', file: name, mime_type: kind.mimeType, size: stored.length, created_on: new Date() },
      kind,
      name,
      sha256: stored.sha256,
    };
  }

  /** Gives back the bytes of an original no asset will point at; a failure is logged, never thrown. */
  async discard(tenant: TenantId, original: StoredOriginal): Promise<void> {
    await this.storage.deleteFile(original.file.storage_file_id, tenant).catch((error: unknown) => {
      this.logger.warn({ file: original.file.storage_file_id, error: String(error) }, 'could not delete the bytes of a refused upload');
    });
  }
}
