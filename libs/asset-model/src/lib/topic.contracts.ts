import { z } from 'zod';
import { ASSET_EVENT_TYPES, assetEventEnvelopeSchema } from './asset-event.schema';
import { PROCESSING_RESULT_EVENT_TYPE, processingResultSchema } from './processing-result.schema';
import { type Topic, TOPICS } from './topics';

/** The services of the suite, as they name themselves (Kafka client id, metric label). */
export type SuiteServiceName = 'ingest-api' | 'storage' | 'encoder' | 'fanout';

/** The `ce_source` of every event ingest-api publishes on `assets.events.v1`. */
export const ASSET_EVENT_SOURCE = '/media-assets/ingest-api';

/** The `ce_source` of every result the encoder publishes on `assets.processing-results.v1`. */
export const PROCESSING_RESULT_SOURCE = '/media-assets/encoder';

/**
 * The suite's consumer groups. A group id is part of the contract: renaming one makes a new group that
 * reads the topic again from the beginning, so they are written once, here.
 */
export const CONSUMER_GROUPS = {
  storageAssetEvents: 'storage',
  fanoutAssetEvents: 'fanout',
  encoderAssetEvents: 'encoder',
  ingestProcessingResults: 'ingest-api-processing-results',
} as const;
export type ConsumerGroup = (typeof CONSUMER_GROUPS)[keyof typeof CONSUMER_GROUPS];

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Kafka headers of a CloudEvents 1.0 binary-mode message: the value is the event data itself. */
export function cloudEventKafkaHeadersSchema(types: readonly [string, ...string[]], source?: string) {
  return z.object({
    ce_specversion: z.literal('1.0').describe('CloudEvents specification version'),
    ce_id: z.string().min(1).describe('event id; equals the `id` of the value, the same on every redelivery (deduplicate by it)'),
    ce_type: z.enum(types).describe('the kind of event'),
    ce_source: (source ? z.literal(source) : z.string().min(1)).describe('the producing service'),
    ce_time: z.iso.datetime({ offset: true }).describe('when the fact happened (RFC 3339)'),
    'content-type': z.literal('application/json').describe('media type of the value'),
    traceparent: z.string().regex(TRACEPARENT).describe('W3C trace context of the request that caused the event'),
  });
}

/** Headers a dead letter carries besides the original message's own (which are kept unchanged). */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  consumerGroup: 'x-dlq-consumer-group',
} as const;

export const deadLetterHeadersSchema = cloudEventKafkaHeadersSchema(ASSET_EVENT_TYPES)
  .partial()
  .extend({
    [DEAD_LETTER_HEADERS.reason]: z.string().min(1).describe('why the message could not be handled'),
    [DEAD_LETTER_HEADERS.sourceTopic]: z.string().min(1).describe('topic the message was read from'),
    [DEAD_LETTER_HEADERS.sourcePartition]: z.string().regex(/^\d+$/).describe('its partition'),
    [DEAD_LETTER_HEADERS.sourceOffset]: z.string().regex(/^\d+$/).describe('its offset'),
    [DEAD_LETTER_HEADERS.consumerGroup]: z.string().min(1).describe('the consumer group that gave up on it'),
  });

export interface MessageContract {
  /** Identifier of the message in generated documents (camelCase). */
  name: string;
  title: string;
  summary: string;
  contentType: string;
  /** Schema of the value; `undefined` for values taken over unchanged (dead letters). */
  payload: z.ZodType | undefined;
  headers: z.ZodObject;
  /** What the Kafka message key holds: it decides the partition, hence the order of messages. */
  key: { description: string };
}

export interface TopicParticipant {
  service: SuiteServiceName;
  /** Consumer group, for receivers whose group is fixed. */
  groupId?: ConsumerGroup;
  summary: string;
}

/** Everything about a topic a producer, a consumer or a generated document needs besides its name. */
export interface TopicContract {
  visibility: 'public' | 'internal';
  description: string;
  message: MessageContract;
  producers: readonly TopicParticipant[];
  consumers: readonly TopicParticipant[];
}

const assetIdKey = { description: 'the asset id: every message of one asset lands in one partition, in order' };

/**
 * One contract per entry of `TOPICS`. Typed by `Topic`, so a new topic does not compile until its
 * message, key and participants are written down here (and the AsyncAPI document picks it up).
 */
export const TOPIC_CONTRACTS: Readonly<Record<Topic, TopicContract>> = {
  [TOPICS.assetEvents]: {
    visibility: 'public',
    description: 'Asset lifecycle events (SPEC §5) for internal consumers and webhook fan-out. Delivery is at least once: deduplicate by event id.',
    message: {
      name: 'assetEvent',
      title: 'Asset event',
      summary: 'asset.created, asset.uploaded, asset.changed or asset.deleted, with the asset as payload',
      contentType: 'application/json',
      payload: assetEventEnvelopeSchema,
      headers: cloudEventKafkaHeadersSchema(ASSET_EVENT_TYPES, ASSET_EVENT_SOURCE),
      key: assetIdKey,
    },
    producers: [{ service: 'ingest-api', summary: 'publishes each committed change of an asset (outbox relay, idempotent producer, acks=all)' }],
    consumers: [
      { service: 'storage', groupId: CONSUMER_GROUPS.storageAssetEvents, summary: 'deletes the bytes of deleted assets and of expired uploads' },
      { service: 'fanout', groupId: CONSUMER_GROUPS.fanoutAssetEvents, summary: "stores one webhook delivery per matching subscription of the event's tenant" },
      { service: 'encoder', groupId: CONSUMER_GROUPS.encoderAssetEvents, summary: 'records a processing job for each uploaded original (renditions, posters, thumbnails, waveforms, previews)' },
    ],
  },
  [TOPICS.assetEventsDeadLetter]: {
    visibility: 'internal',
    description: 'Messages of assets.events.v1 a consumer could not handle (not an envelope, or failed too often): the original key, value and headers plus the reason.',
    message: {
      name: 'deadLetter',
      title: 'Dead letter',
      summary: 'the original message unchanged, with x-dlq-* headers saying why and where it came from',
      contentType: 'application/octet-stream',
      payload: undefined,
      headers: deadLetterHeadersSchema,
      key: { description: 'the original message key (an asset id, when the original had one)' },
    },
    producers: [{ service: 'fanout', summary: 'dead-letters what it cannot turn into deliveries' }],
    consumers: [],
  },
  [TOPICS.processingResults]: {
    visibility: 'internal',
    description: "The encoder's result for each job, applied to the asset by ingest-api (status ready or failed, new cdn files).",
    message: {
      name: 'processingResult',
      title: 'Processing result',
      summary: 'outcome of one processing job: probed properties and the files produced, or the error',
      contentType: 'application/json',
      payload: processingResultSchema,
      headers: cloudEventKafkaHeadersSchema([PROCESSING_RESULT_EVENT_TYPE], PROCESSING_RESULT_SOURCE),
      key: assetIdKey,
    },
    producers: [{ service: 'encoder', summary: 'reports each finished job' }],
    consumers: [{ service: 'ingest-api', groupId: CONSUMER_GROUPS.ingestProcessingResults, summary: 'applies the result to the asset (and emits asset.changed)' }],
  },
};
