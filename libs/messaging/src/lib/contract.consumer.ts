import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ConsumerGroup, TOPIC_PARTITIONS, type Topic } from '@media/asset-model';
import type { EachMessagePayload, Producer } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { z } from 'zod';
import { readHeaders } from './cloud-events';
import { deadLetterMessage, deadLetterTopicOf } from './dead-letter';
import type { KafkaClient } from './kafka.module';
import { decideMessage } from './message-decision';
import { ResilientConsumer } from './resilient-consumer';
import { isTransientFailure } from './transient-failure';

const RETRY_START_MS = 500;
const RETRY_MAX_MS = 30_000;
/** Waiting out an unreachable dependency: short enough to resume within seconds of its return. */
const TRANSIENT_RETRY_MAX_MS = 5_000;

/** What one consumer is: everything but the handler, written as data. */
export interface ConsumerDeclaration<S extends z.ZodType> {
  topic: Topic;
  group: ConsumerGroup;
  /** The message's contract, checked before the handler sees it. */
  schema: S;
  /** A message that breaks the contract: passed over (counted, logged) or sent to the topic's dead-letter topic. */
  onInvalid: 'skip' | 'dead_letter';
  /**
   * Tries of the handler per message, with backoff between them. Failures that say a dependency is
   * unreachable (`isTransientFailure`) are retried without counting: they say nothing about the message.
   */
  attempts: number;
  /**
   * After the last failed try: `redeliver` leaves the offset uncommitted, so the message comes back (to this
   * member or the next; nothing is dropped, the partition waits); `dead_letter` parks it and moves on.
   */
  onExhausted: 'redeliver' | 'dead_letter';
  /** Metric names: `<prefix>_total` counts messages by outcome, `<prefix>_consumer_up` is 1 while in the group. */
  metricPrefix: string;
  /** What the messages are, for the metrics' help text. */
  describe: string;
  /** Partitions handled at once, so a slow message of one key holds up only its own partition; 1 unless set. */
  partitionsConcurrently?: number;
  /** Values longer than this are refused unread (`MESSAGE_MAX_BYTES` unless set). */
  maxBytes?: number;
}

/** A message that passed its contract. */
export interface ConsumedMessage<T> {
  data: T;
  /** The exact text read (webhook bodies are signed byte for byte). */
  body: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * One declared Kafka consumer: a subclass passes its declaration and implements `handle`, which returns
 * the outcome to count. Contract checks, retries, dead letters, metrics, tracing, lifecycle and the
 * group's resilience are done here once, so the four services' consumers differ only in what they do.
 */
export abstract class ContractConsumer<S extends z.ZodType> implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger: Logger;
  private readonly consumer: ResilientConsumer;
  private readonly outcomes: Counter<'outcome'>;
  private readonly deadLetterTopic: Topic | undefined;
  private producer: Producer | undefined;

  protected constructor(
    kafka: KafkaClient,
    registry: Registry,
    private readonly declaration: ConsumerDeclaration<S>,
  ) {
    this.logger = new Logger(new.target.name);
    const { topic, group, metricPrefix, describe, onInvalid, onExhausted } = declaration;
    const needsDeadLetters = onInvalid === 'dead_letter' || onExhausted === 'dead_letter';
    this.deadLetterTopic = needsDeadLetters ? deadLetterTopicOf(topic) : undefined;
    this.outcomes = new Counter({
      name: `${metricPrefix}_total`,
      help: `Messages of ${topic} (${describe}) handled by group ${group}, by outcome`,
      labelNames: ['outcome'],
      registers: [registry],
    });
    const up = new Gauge({ name: `${metricPrefix}_consumer_up`, help: `1 while the ${topic} consumer is a member of group ${group}`, registers: [registry] });
    const deadLetterTopic = this.deadLetterTopic;
    this.consumer = new ResilientConsumer({
      kafka: kafka.kafka,
      groupId: group,
      topic,
      topics: [topic, ...(deadLetterTopic ? [deadLetterTopic] : [])].map((name) => ({ topic: name, partitions: TOPIC_PARTITIONS[name] })),
      eachMessage: (payload) => this.consume(payload),
      logger: this.logger,
      up,
      registry,
      partitionsConsumedConcurrently: declaration.partitionsConcurrently ?? 1,
      // The dead-letter producer is connected before the first message can need it.
      ...(deadLetterTopic && {
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
      }),
    });
  }

  /** Acts on one valid message; the returned word is counted as its outcome. Throwing means "try again". */
  protected abstract handle(message: ConsumedMessage<z.infer<S>>): Promise<string>;

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  private async consume({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const { schema, onInvalid, attempts, onExhausted, maxBytes } = this.declaration;
    const headers = readHeaders(message.headers);
    const decision = decideMessage({ value: message.value, headers }, { schema, onInvalid, ...(maxBytes !== undefined && { maxBytes }) });
    if (decision.action !== 'handle') {
      if (decision.action === 'dead_letter') return this.deadLetter({ topic, partition, message }, decision.reason);
      this.outcomes.inc({ outcome: 'invalid' });
      this.logger.warn({ topic, partition, offset: message.offset, kind: decision.kind, reason: decision.reason }, 'skipped a message that breaks its contract');
      return;
    }
    const consumed: ConsumedMessage<z.infer<S>> = { data: decision.data, body: decision.body, headers, partition, offset: message.offset };
    // Only failures of the message's own count towards `attempts`: while a dependency is unreachable (the
    // database restarting) the message waits, however long that takes, instead of being dead-lettered.
    let failures = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.outcomes.inc({ outcome: await this.handle(consumed) });
        return;
      } catch (error) {
        const stopping = this.consumer.stopping.signal.aborted;
        const transient = isTransientFailure(error);
        if (!transient) failures += 1;
        if (failures >= attempts || stopping) {
          if (onExhausted === 'dead_letter' && !stopping) {
            return this.deadLetter({ topic, partition, message }, `not handled after ${attempts} attempts: ${error instanceof Error ? error.message : String(error)}`);
          }
          this.outcomes.inc({ outcome: 'failed' });
          throw error; // uncommitted: the message comes back
        }
        this.logger.warn({ err: error, attempt, transient, offset: message.offset, partition }, 'could not handle a message; retrying');
        await sleep(Math.min(RETRY_START_MS * 2 ** (attempt - 1), transient ? TRANSIENT_RETRY_MAX_MS : RETRY_MAX_MS));
      }
    }
  }

  private async deadLetter(source: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>, reason: string): Promise<void> {
    if (!this.producer || !this.deadLetterTopic) throw new Error('the dead-letter producer is not connected');
    await this.producer.send({ topic: this.deadLetterTopic, acks: -1, messages: [deadLetterMessage({ ...source, group: this.declaration.group }, reason)] });
    this.outcomes.inc({ outcome: 'dead_lettered' });
    this.logger.warn({ topic: source.topic, partition: source.partition, offset: source.message.offset, reason }, 'sent a message to the dead-letter topic');
  }
}
