/**
 * Every Kafka topic, named `<domain>.<fact>.v<N>`. A breaking change to a message is a new topic version,
 * never an edit of the old schema in place.
 */
export const TOPICS = {
  /** Public: asset lifecycle events for internal consumers and webhook fan-out. Key = asset id. */
  assetEvents: 'assets.events.v1',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
