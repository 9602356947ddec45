import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { ensureTopics, type TopicSpec } from './topics';
import { withMessageTrace } from './trace-context';

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
  /** The service's Prometheus registry: handler durations by outcome and the group's lag go there. */
  registry?: Registry;
  /** Partitions handled at once (order within each partition is kept); 1 unless set. */
  partitionsConsumedConcurrently?: number;
}

const LAG_CACHE_MS = 5_000;
const LAG_SCRAPE_TIMEOUT_MS = 2_000;

/** The consumers whose lag each registry reports. */
const lagSources = new WeakMap<Registry, Set<ResilientConsumer>>();

/** One lag gauge per registry, measured when scraped (cached briefly), so an idle service asks the broker nothing. */
function registerLagSource(registry: Registry, consumer: ResilientConsumer): void {
  let sources = lagSources.get(registry);
  if (!sources) {
    const members = new Set<ResilientConsumer>();
    sources = members;
    lagSources.set(registry, members);
    new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages the consumer group has not committed yet, summed over partitions',
      labelNames: ['group', 'topic'],
      registers: [registry],
      async collect() {
        for (const member of members) {
          // A scrape must not hang on a broker that is away: the gauge keeps its last value instead.
          const value = await Promise.race([member.lag().catch(() => undefined), sleep(LAG_SCRAPE_TIMEOUT_MS, undefined)]);
          if (value !== undefined) this.set({ group: member.group, topic: member.topic }, value);
        }
      },
    });
  }
  sources.add(consumer);
}

/** The metric of that name in the registry, made on first use (several consumers share one metric). */
function shared<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
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
  private readonly handlerDuration: Histogram<'group' | 'topic' | 'outcome'> | undefined;
  private lagAdmin: Admin | undefined;
  private lagCache: { at: number; value: number } | undefined;

  constructor(private readonly options: ResilientConsumerOptions) {
    const { registry } = options;
    if (!registry) return;
    this.handlerDuration = shared(registry, 'kafka_consumer_handler_duration_seconds', () =>
      new Histogram({
        name: 'kafka_consumer_handler_duration_seconds',
        help: 'Time to handle one Kafka message, by consumer group, topic and outcome (ok or error)',
        labelNames: ['group', 'topic', 'outcome'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers: [registry],
      }),
    );
    registerLagSource(registry, this);
  }

  get group(): string {
    return this.options.groupId;
  }

  get topic(): string {
    return this.options.topic;
  }

  /** Sum over the topic's partitions of (latest offset − the group's committed offset). */
  async lag(): Promise<number> {
    if (this.lagCache && Date.now() - this.lagCache.at < LAG_CACHE_MS) return this.lagCache.value;
    const { kafka, groupId, topic } = this.options;
    if (!this.lagAdmin) {
      const admin = kafka.admin();
      await admin.connect();
      this.lagAdmin = admin;
    }
    const [latest, committed] = await Promise.all([this.lagAdmin.fetchTopicOffsets(topic), this.lagAdmin.fetchOffsets({ groupId, topics: [topic] })]);
    const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let value = 0;
    for (const partition of latest) {
      const done = committedBy.get(partition.partition) ?? -1;
      // -1: nothing committed yet; the group starts from the beginning, so everything still retained counts.
      value += Number(partition.high) - (done >= 0 ? done : Number(partition.low));
    }
    this.lagCache = { at: Date.now(), value };
    return value;
  }

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
    await consumer.run({ partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1, eachMessage: (payload) => this.handle(payload) });
    logger.log({ topic, group: groupId }, 'consuming');
  }

  /** The handler, inside the trace its message carries, timed. */
  private async handle(payload: EachMessagePayload): Promise<void> {
    const { groupId: group, topic } = this.options;
    const stop = this.handlerDuration?.startTimer({ group, topic });
    try {
      await withMessageTrace(topic, group, payload.message.headers, () => this.options.eachMessage(payload));
      stop?.({ outcome: 'ok' });
    } catch (error) {
      stop?.({ outcome: 'error' });
      throw error;
    }
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    const lagAdmin = this.lagAdmin;
    this.lagAdmin = undefined;
    await lagAdmin?.disconnect().catch(() => undefined);
    this.options.up.set(0);
    await consumer?.disconnect().catch((error: unknown) => this.options.logger.warn({ err: error }, 'the consumer did not disconnect cleanly'));
    await this.options.disconnectExtras?.().catch((error: unknown) => this.options.logger.warn({ err: error }, 'a client did not disconnect cleanly'));
  }
}
