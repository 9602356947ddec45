import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { KafkaClient, ResilientConsumer } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import type { EachMessagePayload } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import { actionFor, parseAssetEvent } from './asset-event.policy';
import { AssetBytesService } from './asset-bytes.service';

export const STORAGE_CONSUMER_GROUP = 'storage';

/**
 * Deletes bytes when assets go: `asset.deleted` removes everything of the asset, an `asset.changed` to
 * `failed` with `upload_expired` removes its unfinished upload. Deletions are idempotent, so Kafka's
 * at-least-once delivery (and a new group reading from the beginning) is harmless.
 */
@Injectable()
export class AssetEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AssetEventsConsumer.name);
  private readonly consumer: ResilientConsumer;
  private readonly handled: Counter<'event' | 'outcome'>;
  private readonly up: Gauge;

  constructor(
    kafka: KafkaClient,
    private readonly bytes: AssetBytesService,
    metrics: MetricsRegistry,
  ) {
    this.handled = new Counter({
      name: 'storage_asset_events_total',
      help: 'Messages of assets.events.v1 handled by storage, by event type and outcome',
      labelNames: ['event', 'outcome'],
      registers: [metrics.registry],
    });
    this.up = new Gauge({
      name: 'storage_asset_events_consumer_up',
      help: '1 while the assets.events.v1 consumer is a member of its group',
      registers: [metrics.registry],
    });
    this.consumer = new ResilientConsumer({
      kafka: kafka.kafka,
      groupId: STORAGE_CONSUMER_GROUP,
      topic: TOPICS.assetEvents,
      topics: [{ topic: TOPICS.assetEvents, partitions: TOPIC_PARTITIONS[TOPICS.assetEvents] }],
      eachMessage: (payload) => this.handle(payload),
      logger: this.logger,
      up: this.up,
      registry: metrics.registry,
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  /** One message: invalid ones are counted, logged and skipped; a failed deletion throws so Kafka retries it. */
  async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const parsed = parseAssetEvent(message.value);
    if (!parsed.ok) {
      this.handled.inc({ event: 'unknown', outcome: 'invalid' });
      this.logger.warn({ topic, partition, offset: message.offset, reason: parsed.reason }, 'skipped an invalid asset event');
      return;
    }
    const { envelope } = parsed;
    const action = actionFor(envelope);
    try {
      switch (action.kind) {
        case 'delete_asset_bytes':
          await this.bytes.deleteAssetBytes(action);
          break;
        case 'delete_unfinished_uploads':
          await this.bytes.deleteUnfinishedUploads(action);
          break;
        case 'ignore':
          this.handled.inc({ event: envelope.event, outcome: 'ignored' });
          return;
      }
    } catch (error) {
      this.handled.inc({ event: envelope.event, outcome: 'failed' });
      throw error;
    }
    this.handled.inc({ event: envelope.event, outcome: 'applied' });
  }
}
