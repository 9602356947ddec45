import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ProcessingResultMessage } from '@media/asset-model';
import { tooMuchContention } from '../assets/asset-errors';
import { presentAsset } from '../assets/asset.presenter';
import type { TenantId } from '../assets/asset.record';
import { AssetRepository, type EventContext } from '../assets/asset.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { StorageClient } from '@media/internal-api';
import { decideProcessingResult } from './processing-result.policy';

const CAS_ATTEMPTS = 8;
/** `performed_by` of the events a processing result causes. */
export const PROCESSING_ACTOR = 'encoder';

export type AppliedOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * Applies the encoder's results to assets: one compare-and-set per result that sets the outcome and the
 * files and appends `asset.changed` to the outbox in the same write, so the change and its event commit
 * together. Re-reads and decides again on a lost race.
 */
@Injectable()
export class ProcessingResultsService {
  private readonly logger = new Logger(ProcessingResultsService.name);

  constructor(
    private readonly assets: AssetRepository,
    private readonly storage: StorageClient,
    @Inject(INGEST_CONFIG) private readonly config: Pick<IngestApiConfig, 'PUBLIC_BASE_URL'>,
  ) {}

  async apply(result: ProcessingResultMessage, traceparent?: string): Promise<AppliedOutcome> {
    // The tenant comes from a validated internal message, not a token; the asset is looked up under it.
    const tenant = result.tenant as TenantId;
    const context: EventContext = {
      performedBy: PROCESSING_ACTOR,
      traceparent,
      render: (record) => presentAsset(record, this.config.PUBLIC_BASE_URL) as unknown as Record<string, unknown>,
    };
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const record = await this.assets.findOne(tenant, result.asset_id);
      const decision = decideProcessingResult(record, result, new Date());
      if (decision.kind === 'duplicate') return 'duplicate';
      if (decision.kind === 'stale') {
        // Deleting is idempotent in storage, so a redelivered stale result deletes nothing twice.
        for (const fileId of decision.deleteStorageIds) await this.storage.deleteFile(fileId, tenant);
        this.logger.log({ asset: result.asset_id, job: result.job_id, reason: decision.reason, deleted: decision.deleteStorageIds.length }, 'a stale processing result was discarded');
        return 'stale';
      }
      if (record && (await this.assets.compareAndSet(record, decision.changes, ['asset.changed'], context))) {
        this.logger.log({ asset: result.asset_id, job: result.job_id, outcome: result.outcome, code: result.error?.code }, 'applied a processing result');
        return 'applied';
      }
    }
    throw tooMuchContention();
  }
}
