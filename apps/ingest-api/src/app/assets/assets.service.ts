import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import { StorageClient } from '@media/internal-api';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { parseOr400 } from '../http/request-parsing';
import { readMultipart } from '../uploads/multipart-reader';
import { StoredUntilRefused } from '../uploads/stored-until-refused';
import { OriginalStore, type StoredOriginal } from '../uploads/original-store';
import { type Actor, UploadTransitions } from '../uploads/upload-transitions';
import { metadataChanges, originalChanges } from './asset-factory';
import { parseIfMatch } from '../http/if-match';
import { assetNotFound, invalidIfMatch, preconditionFailed, tooMuchContention } from './asset-errors';
import { cleanFileName, updateAssetSchema } from './asset-input';
import type { AssetListQuery } from './asset-list.query';
import { assetEtag } from './asset.presenter';
import { type AssetChanges, type AssetRecord, tenantIdOf } from './asset.record';
import { AssetRepository } from './asset.repository';

const CAS_ATTEMPTS = 8;

/** Reading, changing and deleting assets. */
@Injectable()
export class AssetsService {
  private readonly logger = new Logger(AssetsService.name);

  constructor(
    private readonly assets: AssetRepository,
    private readonly originals: OriginalStore,
    private readonly transitions: UploadTransitions,
    private readonly storage: StorageClient,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  list(principal: Principal, query: AssetListQuery): Promise<{ total: number; items: Omit<AssetRecord, 'pending_events'>[] }> {
    return this.assets.list(tenantIdOf(principal), query);
  }

  async get(principal: Principal, id: string): Promise<AssetRecord> {
    const record = await this.assets.findOne(tenantIdOf(principal), id);
    if (!record) throw assetNotFound(id);
    return record;
  }

  /** `PUT /assets/{id}`: metadata as JSON, or multipart whose optional `source` replaces the file. */
  async update(actor: Actor, id: string, request: IncomingMessage, jsonBody: unknown, ifMatch: string | undefined): Promise<AssetRecord> {
    const tenant = tenantIdOf(actor.principal);
    const kept = new StoredUntilRefused<StoredOriginal>((original) => this.originals.discard(tenant, original));
    try {
      let fields: unknown = jsonBody;
      if (jsonBody === undefined) {
        const current = await this.get(actor.principal, id);
        this.checkIfMatch(current, ifMatch);
        ({ fields } = await readMultipart(request, {
          fileFields: ['source'],
          onFile: async (part) => {
            if (current.status === 'uploading') {
              throw new DomainError(409, 'upload_not_open', 'Upload in progress', 'finish or delete the resumable upload before replacing its file');
            }
            await kept.hold(this.originals.store(tenant, id, part.stream, cleanFileName(part.filename) ?? 'upload'));
          },
        }));
      }
      const replacement = kept.value;
      const metadata = parseOr400(updateAssetSchema, fields ?? {});
      const changes: AssetChanges = metadataChanges(metadata);
      if (replacement) Object.assign(changes, originalChanges(replacement));
      const { before, after } = await this.change(actor, id, ifMatch, changes, replacement ? ['asset.changed', 'asset.uploaded'] : ['asset.changed']);
      if (replacement) {
        await this.forgetFiles(before, after);
        // Images rendered from the replaced files are stale: their bytes go too (a later request renders anew).
        await this.storage.deleteVariants(after._id, after.tenant).catch((error: unknown) => {
          this.logger.warn({ asset: after._id, error: String(error) }, 'could not delete the image variants of a replaced file');
        });
      }
      return after;
    } catch (error) {
      // The new bytes were stored for a change that did not happen (refused while or after they streamed): give them back.
      await kept.refuse();
      throw error;
    }
  }

  /** `DELETE /assets/{id}`: gone for clients at once; storage removes the bytes on `asset.deleted`. */
  async remove(actor: Actor, id: string, ifMatch: string | undefined): Promise<void> {
    await this.change(actor, id, ifMatch, { deleted_on: new Date() }, ['asset.deleted']);
  }

  private async change(actor: Actor, id: string, ifMatch: string | undefined, changes: AssetChanges, events: ('asset.changed' | 'asset.uploaded' | 'asset.deleted')[]) {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const before = await this.get(actor.principal, id);
      this.checkIfMatch(before, ifMatch);
      const after = await this.assets.compareAndSet(before, changes, events, this.transitions.eventContext(actor));
      if (after) return { before, after };
    }
    throw tooMuchContention();
  }

  private checkIfMatch(record: AssetRecord, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    const accepted = parseIfMatch(ifMatch);
    if (accepted === null) throw invalidIfMatch();
    if (accepted !== 'any' && !accepted.includes(assetEtag(record))) throw preconditionFailed();
  }

  /** Files the change left behind (a replaced original, its renditions) are deleted from storage. */
  private async forgetFiles(before: AssetRecord, after: AssetRecord): Promise<void> {
    const kept = new Set(after.files.map((file) => file.storage_file_id));
    for (const file of before.files.filter((f) => !kept.has(f.storage_file_id))) {
      await this.storage.deleteFile(file.storage_file_id, before.tenant).catch((error: unknown) => {
        this.logger.warn({ file: file.storage_file_id, error: String(error) }, 'could not delete a replaced file');
      });
    }
  }
}
