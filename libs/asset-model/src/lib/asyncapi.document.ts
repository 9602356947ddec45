import { z } from 'zod';
import { type TopicContract, TOPIC_CONTRACTS, type TopicParticipant } from './topic.contracts';
import { type Topic, TOPIC_PARTITIONS, TOPICS } from './topics';

/** Version of the Kafka bindings the document uses (channel, operation and message bindings). */
const KAFKA_BINDING_VERSION = '0.5.0';

type JsonObject = { [key: string]: unknown };

export interface AsyncApiOptions {
  /** `info.version` of the document. */
  version?: string;
}

/**
 * The AsyncAPI 3 document of every Kafka topic, generated from `TOPICS`, `TOPIC_PARTITIONS` and
 * `TOPIC_CONTRACTS` — the schemas the services validate with — so it cannot drift from what they send.
 * Pure: served by ingest-api and written to `docs/asyncapi.yaml` by `npm run asyncapi`.
 */
export function buildAsyncApiDocument(options: AsyncApiOptions = {}): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};
  for (const [channelId, topic] of Object.entries(TOPICS) as [string, Topic][]) {
    const contract = TOPIC_CONTRACTS[topic];
    const message = contract.message;
    messages[message.name] = messageObject(contract);
    channels[channelId] = {
      address: topic,
      title: topic,
      description: contract.description,
      messages: { [message.name]: { $ref: `#/components/messages/${message.name}` } },
      tags: [{ name: contract.visibility }],
      bindings: { kafka: { topic, partitions: TOPIC_PARTITIONS[topic], bindingVersion: KAFKA_BINDING_VERSION } },
    };
    const operation = (participant: TopicParticipant, action: 'send' | 'receive'): JsonObject => ({
      action,
      channel: { $ref: `#/channels/${channelId}` },
      title: `${participant.service} ${action === 'send' ? 'sends to' : 'receives from'} ${topic}`,
      summary: participant.summary,
      messages: [{ $ref: `#/channels/${channelId}/messages/${message.name}` }],
      tags: [{ name: participant.service }],
      ...(participant.groupId
        ? { bindings: { kafka: { groupId: { type: 'string', enum: [participant.groupId] }, clientId: { type: 'string', enum: [participant.service] }, bindingVersion: KAFKA_BINDING_VERSION } } }
        : {}),
    });
    for (const producer of contract.producers) operations[operationId(producer.service, 'sends', channelId)] = operation(producer, 'send');
    for (const consumer of contract.consumers) operations[operationId(consumer.service, 'receives', channelId)] = operation(consumer, 'receive');
  }
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Media asset service: Kafka topics',
      version: options.version ?? '1',
      description:
        'Every Kafka topic of the media asset service. Bytes never travel through Kafka: messages carry facts, keyed by asset id so that one asset\'s messages stay in order. Values are validated against these schemas when produced and when consumed; headers follow CloudEvents 1.0 binary mode.',
      tags: [{ name: 'public', description: 'a contract for consumers outside the suite' }, { name: 'internal', description: 'between the services of the suite' }],
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{bootstrap}',
        protocol: 'kafka',
        description: "The platform's Kafka cluster (the services' KAFKA_BROKERS).",
        variables: { bootstrap: { default: 'kafka:9092', description: 'a bootstrap broker, host:port' } },
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

function messageObject(contract: TopicContract): JsonObject {
  const { message } = contract;
  return {
    name: message.name,
    title: message.title,
    summary: message.summary,
    contentType: message.contentType,
    headers: toAsyncApiSchema(message.headers),
    payload: message.payload ? toAsyncApiSchema(message.payload) : { description: 'the original value, byte for byte (it may not be JSON at all)' },
    correlationId: { description: 'the event id, also in ce_id', location: '$message.header#/ce_id' },
    bindings: { kafka: { key: { type: 'string', description: message.key.description }, bindingVersion: KAFKA_BINDING_VERSION } },
  };
}

/**
 * AsyncAPI's default schema format is a superset of JSON Schema draft-07. The input side of a schema is
 * what a consumer's validation accepts; `$schema` is dropped because the document names the format.
 */
function toAsyncApiSchema(schema: z.ZodType): JsonObject {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as JsonObject;
  delete json['$schema'];
  return json;
}

function operationId(service: string, verb: 'sends' | 'receives', channelId: string): string {
  const camel = service.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  return `${camel}${verb[0]?.toUpperCase()}${verb.slice(1)}${channelId[0]?.toUpperCase()}${channelId.slice(1)}`;
}
