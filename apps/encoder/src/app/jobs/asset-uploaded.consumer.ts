import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { assetEventEnvelopeSchema, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { KafkaClient, parseMessage, readHeaders, ResilientConsumer } from '@media/messaging';
import { currentTraceparent } from '@media/service-kit';
import type { EachMessagePayload } from 'kafkajs';
import { jobFromEvent } from './encoding-job.policy';
import { EncodingJobRepository } from './encoding-job.repository';
import { EncoderMetrics } from './encoder.metrics';
import { EncodingWorker } from './encoding.worker';
import { VariantClaimRepository } from '../variants/variant-claim.repository';

export const ENCODER_CONSUMER_GROUP = 'encoder';
const RECORD_ATTEMPTS = 5;
const RETRY_START_MS = 500;

/**
 * Turns each `asset.uploaded` on `assets.events.v1` into a job in `encoding_jobs` (idempotently, by job
 * id) and lets the offset be committed. Nothing is processed here, so a file that takes an hour, or
 * kills its worker, never holds up a partition: the workers take jobs from the collection.
 */
@Injectable()
export class AssetUploadedConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AssetUploadedConsumer.name);
  private readonly consumer: ResilientConsumer;

  constructor(
    kafka: KafkaClient,
    private readonly jobs: EncodingJobRepository,
    private readonly worker: EncodingWorker,
    private readonly metrics: EncoderMetrics,
    private readonly variantClaims: VariantClaimRepository,
  ) {
    this.consumer = new ResilientConsumer({
      kafka: kafka.kafka,
      groupId: ENCODER_CONSUMER_GROUP,
      topic: TOPICS.assetEvents,
      topics: [{ topic: TOPICS.assetEvents, partitions: TOPIC_PARTITIONS[TOPICS.assetEvents] }],
      eachMessage: (payload) => this.handle(payload),
      logger: this.logger,
      up: metrics.consumerUp,
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
    const parsed = parseMessage(assetEventEnvelopeSchema, message.value);
    if (!parsed.ok) {
      // Fanout dead-letters the same message on this topic; here it is counted, logged and passed over.
      this.metrics.events.inc({ outcome: 'invalid' });
      this.logger.warn({ partition, offset: message.offset, reason: parsed.reason }, 'skipped a message that is not an asset event');
      return;
    }
    if (parsed.data.event === 'asset.deleted') {
      // Storage deletes the asset's variant bytes on this event; their claims (the per-file count) go here.
      // A failure throws, so the message comes back rather than leaving claims behind.
      await this.variantClaims.forgetAsset(parsed.data.payload.id, parsed.data.tenant);
    }
    // The consumer's span continues the message's trace; the job keeps it for the worker that runs it.
    const decided = jobFromEvent(parsed.data, currentTraceparent() ?? readHeaders(message.headers)['traceparent'] ?? null);
    if (!decided.ok) {
      this.metrics.events.inc({ outcome: 'ignored' });
      if (parsed.data.event === 'asset.uploaded') this.logger.warn({ event: parsed.data.id, reason: decided.reason }, 'an upload event names no job');
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const created = await this.jobs.insertOnce(decided.job);
        this.metrics.events.inc({ outcome: created ? 'queued' : 'duplicate' });
        if (created) {
          this.logger.log({ job: decided.job._id, event: parsed.data.id }, 'queued a job');
          this.worker.wake();
        }
        return;
      } catch (error) {
        // Uncommitted, the message comes back (to this member or the next): a job is never dropped.
        if (attempt >= RECORD_ATTEMPTS || this.consumer.stopping.signal.aborted) throw error;
        this.logger.warn({ err: error, attempt, offset: message.offset, partition }, 'could not record a job; retrying');
        await sleep(RETRY_START_MS * 2 ** (attempt - 1));
      }
    }
  }
}
