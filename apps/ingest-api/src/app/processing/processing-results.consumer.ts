import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { processingResultSchema, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { KafkaClient, parseMessage, readHeaders, ResilientConsumer } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import type { EachMessagePayload } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import { ProcessingResultsService } from './processing-results.service';

export const PROCESSING_RESULTS_GROUP = 'ingest-api-processing-results';
const APPLY_ATTEMPTS = 5;
const RETRY_START_MS = 500;

/**
 * Consumes `assets.processing-results.v1` (the encoder's results) and applies each to its asset before
 * the offset is committed. A message that breaks the contract is counted, logged and passed over; one
 * that cannot be applied yet (database or storage away) is retried, and left uncommitted after that, so
 * the next member of the group gets it again: a result is never dropped.
 */
@Injectable()
export class ProcessingResultsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessingResultsConsumer.name);
  private readonly consumer: ResilientConsumer;
  private readonly handled: Counter<'outcome'>;

  constructor(
    kafka: KafkaClient,
    private readonly results: ProcessingResultsService,
    metrics: MetricsRegistry,
  ) {
    this.handled = new Counter({
      name: 'ingest_processing_results_total',
      help: 'Messages of assets.processing-results.v1 handled, by outcome (applied, duplicate, stale, invalid)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    const up = new Gauge({ name: 'ingest_processing_results_consumer_up', help: '1 while the processing-results consumer is a member of its group', registers: [metrics.registry] });
    this.consumer = new ResilientConsumer({
      kafka: kafka.kafka,
      groupId: PROCESSING_RESULTS_GROUP,
      topic: TOPICS.processingResults,
      topics: [{ topic: TOPICS.processingResults, partitions: TOPIC_PARTITIONS[TOPICS.processingResults] }],
      eachMessage: (payload) => this.handle(payload),
      logger: this.logger,
      up,
      registry: metrics.registry,
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  async handle({ partition, message }: Pick<EachMessagePayload, 'partition' | 'message'>): Promise<void> {
    const parsed = parseMessage(processingResultSchema, message.value);
    if (!parsed.ok) {
      this.handled.inc({ outcome: 'invalid' });
      this.logger.error({ partition, offset: message.offset, reason: parsed.reason }, 'skipped a processing result that breaks the contract');
      return;
    }
    const traceparent = readHeaders(message.headers)['traceparent'];
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.handled.inc({ outcome: await this.results.apply(parsed.data, traceparent) });
        return;
      } catch (error) {
        if (attempt >= APPLY_ATTEMPTS || this.consumer.stopping.signal.aborted) throw error;
        this.logger.warn({ err: error, attempt, offset: message.offset, partition }, 'could not apply a processing result; retrying');
        await sleep(RETRY_START_MS * 2 ** (attempt - 1));
      }
    }
  }
}
