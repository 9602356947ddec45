import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { KafkaClient } from './kafka.module';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');

describe('keyed messages through a consumer group on the real broker', () => {
  const client = new KafkaClient({ clientId: 'messaging-int-spec', brokers });
  const topic = `it.keyed.${randomUUID()}`;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    const admin = await client.connectedAdmin();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    await client.onApplicationShutdown();
  });

  it('delivers every message once to the group, in order per key, with an idempotent acks=all producer', async () => {
    const keys = ['asset-a', 'asset-b', 'asset-c', 'asset-d'];
    const perKey = 25;
    const groupId = `it-group-${randomUUID()}`;
    const expected = keys.length * perKey;
    const received: { member: number; partition: number; message: KafkaMessage }[] = [];
    let allReceived: () => void = () => undefined;
    const everything = new Promise<void>((resolve) => (allReceived = resolve));
    const assigned = new Map<number, number>();
    let groupStable: () => void = () => undefined;
    const stable = new Promise<void>((resolve) => (groupStable = resolve));

    // Two members of one group split the partitions; the group is stable before anything is produced,
    // so no rebalance can redeliver and "exactly once here" is a fair expectation.
    for (const member of [1, 2]) {
      const consumer = client.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        assigned.set(member, Object.values(payload.memberAssignment).flat().length);
        const total = [...assigned.values()].reduce((a, b) => a + b, 0);
        if (assigned.size === 2 && total === 3 && [...assigned.values()].every((n) => n > 0)) groupStable();
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ member, partition, message });
          if (received.length === expected) allReceived();
        },
      });
    }
    await stable;

    const producer = client.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let sequence = 0; sequence < perKey; sequence += 1) {
      await producer.send({
        topic,
        acks: -1,
        messages: keys.map((key) => ({ key, value: JSON.stringify({ sequence }), headers: { ce_id: randomUUID() } })),
      });
    }
    await producer.disconnect();

    await everything;
    // A moment for stragglers: a duplicate would arrive right behind the last message.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toHaveLength(expected);
    expect(new Set(received.map((r) => r.member))).toEqual(new Set([1, 2]));
    for (const key of keys) {
      const mine = received.filter((r) => String(r.message.key) === key);
      // One key, one partition: that is what keeps one asset's events in order.
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      expect(mine.map((r) => (JSON.parse(String(r.message.value)) as { sequence: number }).sequence)).toEqual(
        Array.from({ length: perKey }, (_, i) => i),
      );
      expect(mine.every((r) => r.message.headers?.['ce_id'] !== undefined)).toBe(true);
    }
  });
});
