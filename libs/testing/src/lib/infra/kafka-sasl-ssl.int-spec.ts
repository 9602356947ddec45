import { randomBytes, randomUUID } from 'node:crypto';
import { KafkaClient } from '@media/messaging';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, type KafkaConfig, logLevel, ResourcePatternTypes } from 'kafkajs';
import { type RunningKafka, startKafka } from './kafka.process';
import { findRepoRoot } from './repo-root';

/**
 * Kafka with SASL/SCRAM-SHA-512 over TLS, on a broker of its own (its certificates made here by openssl,
 * its SCRAM users created at format time) with the StandardAuthorizer: each service principal may only
 * write or read its own topics, and a client without credentials can do neither.
 */
describe('Kafka over SASL_SSL with per-service ACLs', () => {
  let broker: RunningKafka;
  const passwords = { 'ingest-api': randomBytes(18).toString('base64url'), storage: randomBytes(18).toString('base64url') };
  const topic = `it.secured.${randomUUID()}`;
  const clients: KafkaClient[] = [];

  const asService = (username: keyof typeof passwords, password = passwords[username]) => {
    const client = new KafkaClient({ clientId: `sasl-${username}`, brokers: [broker.brokers], saslSsl: { username, password, ca: broker.saslSsl?.ca } });
    clients.push(client);
    return client.kafka;
  };
  /** A client of our own making, failing fast: no retries to wait through. */
  const bare = (extra: Partial<KafkaConfig>) => new Kafka({ clientId: 'intruder', brokers: [broker.brokers], logLevel: logLevel.NOTHING, connectionTimeout: 3_000, retry: { retries: 0 }, ...extra });

  beforeAll(async () => {
    broker = await startKafka({ repoRoot: findRepoRoot(), saslSsl: { users: passwords, acls: true } });
    const superUser = broker.saslSsl?.superUser;
    if (!superUser) throw new Error('the broker was not started with SASL_SSL');
    const admin = bare({ ssl: { ca: [broker.saslSsl?.ca ?? ''] }, sasl: { mechanism: 'scram-sha-512', ...superUser }, retry: { retries: 3 } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const allow = (principal: string, resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, pattern = ResourcePatternTypes.LITERAL) => ({
      principal,
      host: '*',
      resourceType,
      resourceName,
      resourcePatternType: pattern,
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        // The producer of the topic writes it; the consumer reads it with its own consumer groups.
        allow('User:ingest-api', AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
        allow('User:storage', AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
        allow('User:storage', AclResourceTypes.GROUP, 'storage', AclOperationTypes.READ, ResourcePatternTypes.PREFIXED),
        allow('User:ingest-api', AclResourceTypes.GROUP, 'ingest-api', AclOperationTypes.READ, ResourcePatternTypes.PREFIXED),
      ],
    });
    await admin.disconnect();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.onApplicationShutdown()));
    await broker?.stop();
  });

  it('carries a message from its producer to its consumer over TLS with SCRAM logins', async () => {
    const producer = asService('ingest-api').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'asset-1', value: 'hello' }] });
    await producer.disconnect();

    const consumer = asService('storage').consumer({ groupId: `storage-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    await expect(received).resolves.toBe('hello');
    await consumer.disconnect();
  });

  it('refuses a service what its ACLs do not allow: storage cannot write, ingest-api cannot read', async () => {
    const producer = asService('storage').producer();
    await producer.connect();
    await expect(producer.send({ topic, acks: -1, messages: [{ value: 'forged asset.deleted' }] })).rejects.toThrow(/authoriz/i);
    await producer.disconnect();

    // ingest-api may use its consumer groups but not read this topic: the refusal is the topic's.
    const consumer = asService('ingest-api').consumer({ groupId: `ingest-api-${randomUUID()}`, retry: { retries: 0 } });
    const crashed = new Promise<Error>((resolve) => consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error)));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    expect((await crashed).message).toMatch(/not authorized to access topics/i);
    await consumer.disconnect();
  });

  it.each([
    ['plaintext, no credentials', {}],
    ['TLS without SASL', { ssl: true }],
    ['TLS with a wrong password', { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'storage', password: 'guessed' } }],
    ['TLS with an unknown user', { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'mallory', password: 'guessed' } }],
  ] as [string, Partial<KafkaConfig>][])('lets a client with %s neither produce nor consume', async (_, config) => {
    const kafka = bare({ ...config, ...(config.ssl ? { ssl: { ca: [broker.saslSsl?.ca ?? ''] } } : {}) });
    const producer = kafka.producer();
    await expect(producer.connect().then(() => producer.send({ topic, messages: [{ value: 'intrusion' }] }))).rejects.toThrow();
    await producer.disconnect().catch(() => undefined);
    const consumer = kafka.consumer({ groupId: `storage-${randomUUID()}` });
    await expect(consumer.connect().then(() => consumer.subscribe({ topics: [topic], fromBeginning: true }))).rejects.toThrow();
    await consumer.disconnect().catch(() => undefined);
  });

  it('refuses a client that does not trust the broker’s certificate (no CA given, not a public one)', async () => {
    const kafka = bare({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'storage', password: passwords.storage } });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow(/certificate|self.signed|unable to verify/i);
    await admin.disconnect().catch(() => undefined);
  });
});
