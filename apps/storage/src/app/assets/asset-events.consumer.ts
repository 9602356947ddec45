import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { ensureTopics, KafkaClient } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import { actionFor, parseAssetEvent } from './asset-event.policy';
import { AssetBytesService } from './asset-bytes.service';

export const STORAGE_CONSUMER_GROUP = 'storage';
/** Created with this many partitions if it does not exist yet (ingest-api's outbox relay uses the same count). */
const RETRY_START_MS = 500;
const RETRY_MAX_MS = 30_000;
const SHUTDOWN_WAIT_MS = 10_000;

/**
 * Deletes bytes when assets go: `asset.deleted` removes everything of the asset, an `asset.changed` to
 * `failed` with `upload_expired` removes its unfinished upload. Deletions are idempotent, so Kafka's
 * at-least-once delivery (and a new group reading from the beginning) is harmless.
 */
@Injectable()
export class AssetEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AssetEventsConsumer.name);
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private readonly handled: Counter<'event' | 'outcome'>;
  private readonly up: Gauge;

  constructor(
    private readonly kafka: KafkaClient,
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
  }

  onApplicationBootstrap(): void {
    // Not awaited: a broker that is briefly away must not keep the service from booting (readiness says so).
    this.starting = this.startUntilRunning();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.starting, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    await this.disconnect();
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

  private async startUntilRunning(): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted; attempt += 1) {
      try {
        await this.start();
        return;
      } catch (error) {
        this.logger.warn({ err: error, attempt }, 'the asset events consumer could not start; retrying');
        await this.disconnect();
        const delay = Math.min(RETRY_START_MS * 2 ** attempt, RETRY_MAX_MS);
        await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  private async start(): Promise<void> {
    await this.ensureTopic();
    const consumer = this.kafka.kafka.consumer({ groupId: STORAGE_CONSUMER_GROUP });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.up.set(1));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.up.set(0);
      this.logger.error({ err: payload.error, restart: payload.restart }, 'the asset events consumer crashed');
      // kafkajs restarts on retriable errors by itself; for the others we start over.
      if (!payload.restart && !this.stopping.signal.aborted) this.starting = this.startUntilRunning();
    });
    await consumer.connect();
    // From the beginning when the group is new: a deletion produced before storage first ran must still happen.
    await consumer.subscribe({ topic: TOPICS.assetEvents, fromBeginning: true });
    if (this.stopping.signal.aborted) return;
    await consumer.run({ eachMessage: (payload) => this.handle(payload) });
    this.logger.log({ topic: TOPICS.assetEvents, group: STORAGE_CONSUMER_GROUP }, 'consuming asset events');
  }

  private async ensureTopic(): Promise<void> {
    // An admin of its own: the shared one is dropped by the readiness probe whenever Kafka hiccups.
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [{ topic: TOPICS.assetEvents, partitions: TOPIC_PARTITIONS[TOPICS.assetEvents] }]);
    } finally {
      await admin.disconnect();
    }
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.up.set(0);
    await consumer?.disconnect().catch((error: unknown) => this.logger.warn({ err: error }, 'the asset events consumer did not disconnect cleanly'));
  }
}
