/**
 * Every Kafka topic, named `<domain>.<fact>.v<N>`. A breaking change to a message is a new topic version,
 * never an edit of the old schema in place.
 */
export const TOPICS = {
  /** Public: asset lifecycle events for internal consumers and webhook fan-out. Key = asset id. */
  assetEvents: 'assets.events.v1',
  /** Dead letters of `assets.events.v1` consumers: the original key, value and headers plus `x-dlq-reason`. */
  assetEventsDeadLetter: 'assets.events.dlq.v1',
  /** Internal: the encoder's result for each job, applied to the asset by ingest-api. Key = asset id. */
  processingResults: 'assets.processing-results.v1',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * Partitions per topic, fixed at creation: keys hash to partitions, so changing a count later would
 * break per-key (per-asset) order. Every service that creates a topic takes the number from here.
 */
export const TOPIC_PARTITIONS: Readonly<Record<Topic, number>> = {
  [TOPICS.assetEvents]: 6,
  [TOPICS.assetEventsDeadLetter]: 6,
  [TOPICS.processingResults]: 6,
};

/** Where consumers of a topic put the messages they give up on; a topic without an entry has none. */
export const DEAD_LETTER_TOPICS: Readonly<Partial<Record<Topic, Topic>>> = {
  [TOPICS.assetEvents]: TOPICS.assetEventsDeadLetter,
};
