import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { assetEventEnvelopeSchema } from './asset-event.schema';
import { buildAsyncApiDocument } from './asyncapi.document';
import { TOPIC_CONTRACTS } from './topic.contracts';
import { TOPIC_PARTITIONS, TOPICS } from './topics';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a generated document

describe('the AsyncAPI document', () => {
  const document = buildAsyncApiDocument() as Json;

  it('passes the AsyncAPI parser with no error-level diagnostics', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error);
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(parsed?.version()).toBe('3.1.0');
    expect(parsed?.channels().all().map((channel) => channel.address()).sort()).toEqual(Object.values(TOPICS).sort());
  });

  it('is checked by a parser that does report errors (a broken copy fails)', async () => {
    const broken = structuredClone(document);
    broken['channels']['assetEvents'].bindings.kafka.partitions = 'six';
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.some((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error && diagnostic.path.includes('partitions'))).toBe(true);
  });

  it('has one channel per topic, at its address, with its partitions', () => {
    for (const [id, topic] of Object.entries(TOPICS)) {
      expect(document['channels'][id]).toMatchObject({ address: topic, bindings: { kafka: { topic, partitions: TOPIC_PARTITIONS[topic] } } });
    }
  });

  it('documents the event envelope with the schema the services validate with', () => {
    const message = document['components']['messages']['assetEvent'];
    expect(message.payload.required).toEqual(expect.arrayContaining(['id', 'created_on', 'event', 'tenant', 'performed_by', 'payload']));
    expect(message.payload.properties.event.enum).toEqual(assetEventEnvelopeSchema.shape.event.options);
    expect(Object.keys(message.headers.properties)).toEqual(['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'content-type', 'traceparent']);
    expect(message.headers.required).toHaveLength(7);
    expect(message.bindings.kafka.key).toMatchObject({ type: 'string' });
  });

  it('says who sends and who receives each topic, with the fixed consumer groups', () => {
    const operations = document['operations'] as Record<string, Json>;
    const sides = Object.values(operations).map((operation) => `${operation['tags'][0].name} ${operation['action']} ${operation['channel'].$ref}`);
    expect(sides).toEqual(
      expect.arrayContaining([
        'ingest-api send #/channels/assetEvents',
        'fanout receive #/channels/assetEvents',
        'storage receive #/channels/assetEvents',
        'fanout send #/channels/assetEventsDeadLetter',
      ]),
    );
    expect(operations['fanoutReceivesAssetEvents']?.['bindings'].kafka.groupId).toEqual({ type: 'string', enum: ['fanout'] });
    const participants = Object.values(TOPIC_CONTRACTS).reduce((count, contract) => count + contract.producers.length + contract.consumers.length, 0);
    expect(Object.keys(operations)).toHaveLength(participants);
  });
});
