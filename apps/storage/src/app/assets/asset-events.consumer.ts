import { Injectable } from '@nestjs/common';
import { type AssetEventEnvelope, assetEventEnvelopeSchema, CONSUMER_GROUPS, TOPICS } from '@media/asset-model';
import { type ConsumedMessage, ContractConsumer, KafkaClient } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import { actionFor } from './asset-event.policy';
import { AssetBytesService } from './asset-bytes.service';

/**
 * Deletes bytes when assets go: `asset.deleted` removes everything of the asset, an `asset.changed` to
 * `failed` with `upload_expired` removes its unfinished upload. Deletions are idempotent, so Kafka's
 * at-least-once delivery (and a new group reading from the beginning) is harmless. Fanout dead-letters
 * the invalid messages of this topic; storage passes over them.
 */
@Injectable()
export class AssetEventsConsumer extends ContractConsumer<typeof assetEventEnvelopeSchema> {
  constructor(
    kafka: KafkaClient,
    metrics: MetricsRegistry,
    private readonly bytes: AssetBytesService,
  ) {
    super(kafka, metrics.registry, {
      topic: TOPICS.assetEvents,
      group: CONSUMER_GROUPS.storageAssetEvents,
      schema: assetEventEnvelopeSchema,
      onInvalid: 'skip',
      attempts: 5,
      onExhausted: 'redeliver',
      metricPrefix: 'storage_asset_events',
      describe: 'asset events, for the bytes deleted assets leave',
    });
  }

  protected async handle({ data }: ConsumedMessage<AssetEventEnvelope>): Promise<string> {
    const action = actionFor(data);
    switch (action.kind) {
      case 'delete_asset_bytes':
        await this.bytes.deleteAssetBytes(action);
        return 'applied';
      case 'delete_unfinished_uploads':
        await this.bytes.deleteUnfinishedUploads(action);
        return 'applied';
      case 'ignore':
        return 'ignored';
    }
  }
}
