import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { type AssetEventEnvelope, assetEventEnvelopeSchema, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { KafkaClient, parseMessage, ResilientConsumer } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import type { EachMessagePayload, Producer } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import { DeliveryPlanner } from './delivery.planner';
import { DeliveryWorker } from './delivery.worker';

export const FANOUT_CONSUMER_GROUP = 'fanout';
export const DLQ_REASON_HEADER = 'x-dlq-reason';
const RETRY_START_MS = 500;
const RETRY_MAX_MS = 30_000;

/** Contract check on consumption: a message that is not an envelope is a dead letter, never a delivery. */
export function parseEnvelope(value: Buffer | null): { ok: true; envelope: AssetEventEnvelope; body: string } | { ok: false; reason: string } {
  const parsed = parseMessage(assetEventEnvelopeSchema, value);
  return parsed.ok ? { ok: true, envelope: parsed.data, body: parsed.body } : parsed;
}

/**
 * Turns each event on `assets.events.v1` into one delivery per matching subscription of its tenant, and
 * only then lets the offset be committed. A message that cannot be handled within a bounded number of
 * attempts goes to the dead-letter topic (with the reason) so it never blocks its partition.
 */
@Injectable()
export class AssetEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AssetEventsConsumer.name);
  private readonly consumer: ResilientConsumer;
  private producer: Producer | undefined;
  private readonly handled: Counter<'outcome'>;
  private readonly up: Gauge;

  constructor(
    kafka: KafkaClient,
    private readonly planner: DeliveryPlanner,
    private readonly worker: DeliveryWorker,
    @Inject(FANOUT_CONFIG) private readonly config: FanoutConfig,
    metrics: MetricsRegistry,
  ) {
    this.handled = new Counter({
      name: 'fanout_asset_events_total',
      help: 'Messages of assets.events.v1 handled by fanout, by outcome (planned, dead_lettered)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.up = new Gauge({ name: 'fanout_asset_events_consumer_up', help: '1 while the assets.events.v1 consumer is a member of its group', registers: [metrics.registry] });
    this.consumer = new ResilientConsumer({
      kafka: kafka.kafka,
      groupId: FANOUT_CONSUMER_GROUP,
      topic: TOPICS.assetEvents,
      topics: [TOPICS.assetEvents, TOPICS.assetEventsDeadLetter].map((topic) => ({ topic, partitions: TOPIC_PARTITIONS[topic] })),
      eachMessage: (payload) => this.handle(payload),
      logger: this.logger,
      up: this.up,
      registry: metrics.registry,
      // The dead-letter producer is connected before the first message can need it.
      connectExtras: async () => {
        const producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        this.producer = producer;
        await producer.connect();
      },
      disconnectExtras: async () => {
        const producer = this.producer;
        this.producer = undefined;
        await producer?.disconnect();
      },
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const parsed = parseEnvelope(message.value);
    if (!parsed.ok) return this.deadLetter({ topic, partition, message }, parsed.reason);
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.config.FANOUT_MESSAGE_MAX_ATTEMPTS; attempt += 1) {
      try {
        const created = await this.planner.plan(parsed.envelope, parsed.body);
        this.handled.inc({ outcome: 'planned' });
        if (created > 0) {
          this.logger.log({ event_id: parsed.envelope.id, event: parsed.envelope.event, deliveries: created }, 'deliveries planned');
          this.worker.wake();
        }
        return;
      } catch (error) {
        lastError = error;
        this.logger.warn({ err: error, attempt, offset: message.offset, partition }, 'could not plan deliveries for an event; retrying');
        if (this.consumer.stopping.signal.aborted) throw error; // uncommitted: the next member of the group gets it
        await sleep(Math.min(RETRY_START_MS * 2 ** (attempt - 1), RETRY_MAX_MS));
      }
    }
    await this.deadLetter({ topic, partition, message }, `not handled after ${this.config.FANOUT_MESSAGE_MAX_ATTEMPTS} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  private async deadLetter({ topic, partition, message }: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>, reason: string): Promise<void> {
    if (!this.producer) throw new Error('the dead-letter producer is not connected');
    await this.producer.send({
      topic: TOPICS.assetEventsDeadLetter,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DLQ_REASON_HEADER]: reason,
            'x-dlq-source-topic': topic,
            'x-dlq-source-partition': String(partition),
            'x-dlq-source-offset': message.offset,
            'x-dlq-consumer-group': FANOUT_CONSUMER_GROUP,
          },
        },
      ],
    });
    this.handled.inc({ outcome: 'dead_lettered' });
    this.logger.warn({ topic, partition, offset: message.offset, reason }, 'sent a message to the dead-letter topic');
  }
}
