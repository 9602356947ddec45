import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PROCESSING_RESULT_EVENT_TYPE, PROCESSING_RESULT_SOURCE, processingResultSchema, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { cloudEventHeaders, ensureTopics, KafkaClient } from '@media/messaging';
import type { Producer } from 'kafkajs';
import type { EncodingJobRecord } from '../jobs/encoding-job.record';
import { EncodingJobRepository } from '../jobs/encoding-job.repository';
import { EncoderMetrics } from '../jobs/encoder.metrics';

/** How often recorded results that did not reach Kafka (a crash, a broker away) are looked for. */
const SWEEP_INTERVAL_MS = 5_000;
/** A result younger than this is still being published by the worker that recorded it. */
const SWEEP_GRACE_MS = 10_000;
const SWEEP_BATCH = 100;

/**
 * Publishes each recorded result on `assets.processing-results.v1` and marks it reported. The result is
 * written to the job first (that write decides which worker completed the job), so a crash or a broker
 * outage between the two delays the message, and the sweep sends it later; never lost, at worst sent
 * twice with the same id, which ingest-api recognises as a duplicate.
 */
@Injectable()
export class ProcessingResultsReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessingResultsReporter.name);
  private producer: Promise<Producer> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly jobs: EncodingJobRepository,
    private readonly metrics: EncoderMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep().finally(() => (this.sweeping = undefined));
    }, SWEEP_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Sends the job's recorded result (validated against the contract) and marks it reported. */
  async publish(job: EncodingJobRecord): Promise<void> {
    if (!job.result) throw new Error(`job ${job._id} has no result to publish`);
    const result = processingResultSchema.parse(job.result);
    const producer = await this.connectedProducer();
    await producer.send({
      topic: TOPICS.processingResults,
      acks: -1,
      messages: [
        {
          key: result.asset_id,
          value: JSON.stringify(result),
          headers: {
            ...cloudEventHeaders({
              id: result.id,
              type: PROCESSING_RESULT_EVENT_TYPE,
              source: PROCESSING_RESULT_SOURCE,
              time: new Date(result.created_on),
              traceparent: job.traceparent ?? undefined,
            }),
          },
        },
      ],
    });
    await this.jobs.markReported(job._id);
    this.metrics.results.inc({ outcome: result.outcome });
  }

  private async sweep(): Promise<void> {
    try {
      const pending = await this.jobs.findUnreported(new Date(Date.now() - SWEEP_GRACE_MS), SWEEP_BATCH);
      for (const job of pending) await this.publish(job);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not publish recorded results; trying again later');
      await this.dropProducer();
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      this.producer = (async () => {
        const admin = this.kafka.kafka.admin();
        await admin.connect();
        try {
          await ensureTopics(admin, [{ topic: TOPICS.processingResults, partitions: TOPIC_PARTITIONS[TOPICS.processingResults] }]);
        } finally {
          await admin.disconnect();
        }
        // Idempotent with one request in flight: retries can neither duplicate nor reorder one asset's results.
        const producer = this.kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return producer;
      })();
      this.producer.catch(() => (this.producer = undefined));
    }
    return this.producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }
}
