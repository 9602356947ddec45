import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { ensureTopics, type TopicSpec } from './topics';

const RETRY_START_MS = 500;
const RETRY_MAX_MS = 30_000;
const SHUTDOWN_WAIT_MS = 10_000;

interface Log {
  log(message: unknown, ...context: unknown[]): void;
  warn(message: unknown, ...context: unknown[]): void;
  error(message: unknown, ...context: unknown[]): void;
}

export interface ResilientConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Topics made to exist before consuming (the consumed one, a dead-letter topic, ...). */
  topics: readonly TopicSpec[];
  eachMessage: (payload: EachMessagePayload) => Promise<void>;
  logger: Log;
  /** Set to 1 while a member of the group, 0 otherwise (a Prometheus gauge). */
  up: { set(value: number): void };
  /** Connects what the handler needs besides the consumer (a dead-letter producer); runs before consuming. */
  connectExtras?: () => Promise<void>;
  /** Closes what `connectExtras` opened. */
  disconnectExtras?: () => Promise<void>;
}

/**
 * One consumer group member that keeps itself running: it starts without blocking the service's boot (a
 * broker that is briefly away shows in readiness, not as a crash), retries with backoff, starts over after
 * a crash kafkajs does not restart by itself, and reads from the beginning when its group is new, so
 * nothing produced before the service first ran is missed.
 */
export class ResilientConsumer {
  readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: ResilientConsumerOptions) {}

  /** Starts in the background; not awaited by callers on purpose. */
  start(): void {
    this.starting = this.startUntilRunning();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.starting, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    await this.disconnect();
  }

  private async startUntilRunning(): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted; attempt += 1) {
      try {
        await this.run();
        return;
      } catch (error) {
        this.options.logger.warn({ err: error, attempt, group: this.options.groupId }, 'the consumer could not start; retrying');
        await this.disconnect();
        await sleep(Math.min(RETRY_START_MS * 2 ** attempt, RETRY_MAX_MS), undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  private async run(): Promise<void> {
    const { kafka, groupId, topic, logger, up } = this.options;
    // An admin of its own: the shared one is dropped by the readiness probe whenever Kafka hiccups.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, this.options.topics);
    } finally {
      await admin.disconnect();
    }
    await this.options.connectExtras?.();
    const consumer = kafka.consumer({ groupId });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => up.set(1));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      up.set(0);
      logger.error({ err: payload.error, restart: payload.restart, group: groupId }, 'the consumer crashed');
      // kafkajs restarts on retriable errors by itself; for the others we start over.
      if (!payload.restart && !this.stopping.signal.aborted) this.starting = this.startUntilRunning();
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    if (this.stopping.signal.aborted) return;
    await consumer.run({ eachMessage: (payload) => this.options.eachMessage(payload) });
    logger.log({ topic, group: groupId }, 'consuming');
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.options.up.set(0);
    await consumer?.disconnect().catch((error: unknown) => this.options.logger.warn({ err: error }, 'the consumer did not disconnect cleanly'));
    await this.options.disconnectExtras?.().catch((error: unknown) => this.options.logger.warn({ err: error }, 'a client did not disconnect cleanly'));
  }
}
