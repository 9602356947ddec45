import { Inject, Injectable } from '@nestjs/common';
import { type AssetEventEnvelope, assetEventEnvelopeSchema, CONSUMER_GROUPS, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { type ConsumedMessage, ContractConsumer, KafkaClient } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import { DeliveryPlanner } from './delivery.planner';
import { DeliveryWorker } from './delivery.worker';

/**
 * Turns each event on `assets.events.v1` into one delivery per matching subscription of its tenant, and
 * only then lets the offset be committed. A message that is not an envelope, or cannot be handled within
 * a bounded number of attempts, goes to the dead-letter topic (with the reason) so it never blocks its
 * partition.
 */
@Injectable()
export class AssetEventsConsumer extends ContractConsumer<typeof assetEventEnvelopeSchema> {
  constructor(
    kafka: KafkaClient,
    metrics: MetricsRegistry,
    @Inject(FANOUT_CONFIG) config: FanoutConfig,
    private readonly planner: DeliveryPlanner,
    private readonly worker: DeliveryWorker,
  ) {
    super(kafka, metrics.registry, {
      topic: TOPICS.assetEvents,
      group: CONSUMER_GROUPS.fanoutAssetEvents,
      schema: assetEventEnvelopeSchema,
      onInvalid: 'dead_letter',
      attempts: config.FANOUT_MESSAGE_MAX_ATTEMPTS,
      onExhausted: 'dead_letter',
      metricPrefix: 'fanout_asset_events',
      describe: 'asset events, planned into webhook deliveries',
      // One tenant's event with many subscriptions must not hold up another tenant's in another partition.
      partitionsConcurrently: TOPIC_PARTITIONS[TOPICS.assetEvents],
    });
  }

  protected async handle({ data, body }: ConsumedMessage<AssetEventEnvelope>): Promise<string> {
    const created = await this.planner.plan(data, body);
    if (created > 0) {
      this.logger.log({ event_id: data.id, event: data.event, deliveries: created }, 'deliveries planned');
      this.worker.wakeFor(data.tenant);
    }
    return 'planned';
  }
}
