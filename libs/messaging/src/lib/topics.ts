import type { Admin } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/**
 * Creates topics that do not exist yet (idempotent, safe from several replicas at once). Partitions are
 * fixed at creation: keys hash to partitions, so changing the count later would break per-key order.
 */
export async function ensureTopics(admin: Admin, topics: readonly TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      topics: missing.map((spec) => ({ topic: spec.topic, numPartitions: spec.partitions, replicationFactor: -1 })),
      waitForLeaders: true,
    });
  } catch (error) {
    // Another replica created it between our list and our create: that is the outcome we wanted.
    if (!(error instanceof Error) || !/already exists/i.test(error.message)) throw error;
  }
}
