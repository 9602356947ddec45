import { Injectable } from '@nestjs/common';
import { type AssetEventEnvelope, assetEventEnvelopeSchema, CONSUMER_GROUPS, TOPICS } from '@media/asset-model';
import { type ConsumedMessage, ContractConsumer, KafkaClient } from '@media/messaging';
import { currentTraceparent } from '@media/service-kit';
import { jobFromEvent } from './encoding-job.policy';
import { EncodingJobRepository } from './encoding-job.repository';
import { EncoderMetrics } from './encoder.metrics';
import { EncodingWorker } from './encoding.worker';
import { VariantClaimRepository } from '../variants/variant-claim.repository';

/**
 * Turns each `asset.uploaded` on `assets.events.v1` into a job in `encoding_jobs` (idempotently, by job
 * id) and lets the offset be committed. Nothing is processed here, so a file that takes an hour, or
 * kills its worker, never holds up a partition: the workers take jobs from the collection. A job is
 * never dropped: a message that cannot be recorded stays uncommitted and comes back.
 */
@Injectable()
export class AssetUploadedConsumer extends ContractConsumer<typeof assetEventEnvelopeSchema> {
  constructor(
    kafka: KafkaClient,
    metrics: EncoderMetrics,
    private readonly jobs: EncodingJobRepository,
    private readonly worker: EncodingWorker,
    private readonly variantClaims: VariantClaimRepository,
  ) {
    super(kafka, metrics.registry, {
      topic: TOPICS.assetEvents,
      group: CONSUMER_GROUPS.encoderAssetEvents,
      schema: assetEventEnvelopeSchema,
      // Fanout dead-letters the same message on this topic; here it is counted, logged and passed over.
      onInvalid: 'skip',
      attempts: 5,
      onExhausted: 'redeliver',
      metricPrefix: 'encoder_asset_events',
      describe: 'asset events, recorded as processing jobs',
    });
  }

  protected async handle({ data, headers }: ConsumedMessage<AssetEventEnvelope>): Promise<string> {
    if (data.event === 'asset.deleted') {
      // Storage deletes the asset's variant bytes on this event; their claims (the per-file count) go here.
      // A failure throws, so the contract consumer retries the message rather than leaving claims behind.
      await this.variantClaims.forgetAsset(data.payload.id, data.tenant);
      return 'variants_forgotten';
    }
    // The consumer's span continues the message's trace; the job keeps it for the worker that runs it.
    const decided = jobFromEvent(data, currentTraceparent() ?? headers['traceparent'] ?? null);
    if (!decided.ok) {
      if (data.event === 'asset.uploaded') this.logger.warn({ event: data.id, reason: decided.reason }, 'an upload event names no job');
      return 'ignored';
    }
    const created = await this.jobs.insertOnce(decided.job);
    if (!created) return 'duplicate';
    this.logger.log({ job: decided.job._id, event: data.id }, 'queued a job');
    this.worker.wake();
    return 'queued';
  }
}
