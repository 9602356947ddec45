/**
 * Manual smoke check of the real-broker harness and of kafkajs against it (not a jest test):
 *   npx tsx libs/testing/src/lib/infra/kafka.process.check.ts
 * Exercises what the services rely on: topic creation, idempotent acks=all produce, consumer-group
 * join/sync/heartbeat/commit, and a rebalance when a second member joins. Exits non-zero on any failure.
 */
import {
  Kafka,
  Partitioners,
  logLevel,
  type Consumer,
  type EachMessagePayload,
} from 'kafkajs';
import { startKafka, type RunningKafka } from './kafka.process';
import { findRepoRoot } from './repo-root';

const MESSAGES = 100;
const KEYS = 10;
const EXTRA_AFTER_REBALANCE = 30;

function elapsed(since: number): string {
  return `${Date.now() - since} ms`;
}

async function until(
  what: string,
  done: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** kafkajs reports a dead consumer loop only as an event; turn it into a failure of the check. */
function failOnCrash(
  consumer: Consumer,
  name: string,
  fail: (error: Error) => void,
): void {
  consumer.on(consumer.events.CRASH, (event) =>
    fail(new Error(`${name} crashed: ${event.payload.error.message}`)),
  );
}

async function main(): Promise<void> {
  const repoRoot = findRepoRoot();
  const started = Date.now();
  const kafka: RunningKafka = await startKafka({
    repoRoot,
    log: (line) => console.log(`  [kafka] ${line}`),
  });
  console.log(`startKafka total: ${elapsed(started)} -> ${kafka.brokers}`);

  let crash: Error | undefined;
  const client = new Kafka({
    clientId: 'kafka-process-check',
    brokers: [kafka.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = client.admin();
  const producer = client.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // Explicit choice silences kafkajs' v2 partitioner-change warning; murmur2 matches the Java client.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumerSettings = {
    groupId: `check-group-${Date.now()}`,
    // kafkajs only heartbeats between fetches; a 5 s long-poll (the default) delays every rebalance and
    // disconnect by up to 5 s on an idle topic.
    maxWaitTimeInMs: 500,
    heartbeatInterval: 1_000,
  };
  const first = client.consumer(consumerSettings);
  const second = client.consumer(consumerSettings);
  failOnCrash(first, 'first consumer', (error) => (crash = error));
  failOnCrash(second, 'second consumer', (error) => (crash = error));

  try {
    const topic = `check-${Date.now()}`;
    let mark = Date.now();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3 }],
      waitForLeaders: true,
    });
    const partitions = (await admin.fetchTopicMetadata({ topics: [topic] }))
      .topics[0]?.partitions.length;
    if (partitions !== 3)
      throw new Error(`expected 3 partitions, got ${String(partitions)}`);
    console.log(`create topic: ${elapsed(mark)}`);

    mark = Date.now();
    await producer.connect();
    for (let batch = 0; batch < MESSAGES / 10; batch++) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => {
          const seq = batch * 10 + i;
          return { key: `key-${seq % KEYS}`, value: String(seq) };
        }),
      });
    }
    console.log(`produce ${MESSAGES} (idempotent, acks=all): ${elapsed(mark)}`);

    const received: {
      consumer: string;
      key: string;
      seq: number;
      partition: number;
    }[] = [];
    const collect =
      (consumer: string) =>
      async ({ message, partition }: EachMessagePayload): Promise<void> => {
        received.push({
          consumer,
          key: String(message.key),
          seq: Number(String(message.value)),
          partition,
        });
      };

    mark = Date.now();
    await first.connect();
    await first.subscribe({ topics: [topic], fromBeginning: true });
    await first.run({ eachMessage: collect('first') });
    await until(
      `${MESSAGES} messages`,
      () => crash !== undefined || received.length >= MESSAGES,
    );
    if (crash) throw crash;
    console.log(`consume ${MESSAGES} (group join + fetch): ${elapsed(mark)}`);

    const lastSeqByKey = new Map<string, number>();
    for (const { key, seq } of received) {
      const previous = lastSeqByKey.get(key) ?? -1;
      if (seq <= previous)
        throw new Error(`key ${key}: seq ${seq} arrived after ${previous}`);
      lastSeqByKey.set(key, seq);
    }
    if (received.length !== MESSAGES || lastSeqByKey.size !== KEYS) {
      throw new Error(
        `expected ${MESSAGES} messages over ${KEYS} keys, got ${received.length} over ${lastSeqByKey.size}`,
      );
    }
    console.log(`per-key order: ok (${KEYS} keys)`);

    mark = Date.now();
    const assignments = new Map<string, number[]>();
    for (const [name, consumer] of [
      ['first', first],
      ['second', second],
    ] as const) {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignments.set(name, event.payload.memberAssignment[topic] ?? []);
      });
    }
    await second.connect();
    await second.subscribe({ topics: [topic], fromBeginning: true });
    await second.run({ eachMessage: collect('second') });
    await until(
      'both members to rejoin',
      () => crash !== undefined || assignments.size === 2,
    );
    if (crash) throw crash;
    const assigned = [...assignments.values()].flat().sort();
    if (
      assigned.join() !== '0,1,2' ||
      [...assignments.values()].some((parts) => parts.length === 0)
    ) {
      throw new Error(
        `bad assignment after rebalance: ${JSON.stringify(Object.fromEntries(assignments))}`,
      );
    }
    console.log(
      `rebalance to 2 members: ${elapsed(mark)} ${JSON.stringify(Object.fromEntries(assignments))}`,
    );

    mark = Date.now();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: EXTRA_AFTER_REBALANCE }, (_, i) => ({
        key: `key-${i % KEYS}`,
        value: String(MESSAGES + i),
      })),
    });
    const total = MESSAGES + EXTRA_AFTER_REBALANCE;
    await until(
      `${total} messages`,
      () => crash !== undefined || received.length >= total,
    );
    if (crash) throw crash;
    const bySecond = received.filter(
      (entry) => entry.consumer === 'second',
    ).length;
    if (received.length !== total || bySecond === 0) {
      throw new Error(
        `after rebalance: ${received.length} messages in total, ${bySecond} by the second member`,
      );
    }
    console.log(
      `consume ${EXTRA_AFTER_REBALANCE} more across both members: ${elapsed(mark)} (second took ${bySecond})`,
    );

    // Committed offsets must reach the end of every partition once auto-commit has flushed on disconnect.
    mark = Date.now();
    await Promise.all([first.disconnect(), second.disconnect()]);
    console.log(
      `consumers disconnected (final commit + leave group): ${elapsed(mark)}`,
    );
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({
      groupId: consumerSettings.groupId,
      topics: [topic],
    });
    for (const end of ends) {
      const offset = committed?.partitions.find(
        (p) => p.partition === end.partition,
      )?.offset;
      if (offset !== end.high)
        throw new Error(
          `partition ${end.partition}: committed ${String(offset)}, end ${end.high}`,
        );
    }
    console.log('committed offsets: at end of every partition');
  } finally {
    await Promise.allSettled([
      first.disconnect(),
      second.disconnect(),
      producer.disconnect(),
      admin.disconnect(),
    ]);
    const mark = Date.now();
    await kafka.stop();
    console.log(`stop: ${elapsed(mark)}`);
  }
}

main().then(
  () => {
    console.log('kafka.process check: OK');
  },
  (error: unknown) => {
    console.error('kafka.process check: FAILED', error);
    process.exitCode = 1;
  },
);
