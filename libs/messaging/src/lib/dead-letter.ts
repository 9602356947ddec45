import { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPICS, type Topic } from '@media/asset-model';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  group: string;
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>;
}

/** The dead-letter topic of `topic`, or an error naming it when the contract gives it none. */
export function deadLetterTopicOf(topic: Topic): Topic {
  const target = DEAD_LETTER_TOPICS[topic];
  if (!target) throw new Error(`${topic} has no dead-letter topic in the contract`);
  return target;
}

/**
 * The dead letter of a message: key, value and headers unchanged (a reader can replay it as it was),
 * plus headers saying why it was given up and where it came from.
 */
export function deadLetterMessage({ topic, partition, group, message }: DeadLetterSource, reason: string): Message {
  const headers: IHeaders = {
    ...message.headers,
    [DEAD_LETTER_HEADERS.reason]: reason,
    [DEAD_LETTER_HEADERS.sourceTopic]: topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
    [DEAD_LETTER_HEADERS.consumerGroup]: group,
  };
  return { key: message.key, value: message.value, headers };
}
