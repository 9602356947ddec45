import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { startInfrastructure } from './infrastructure';
import { findRepoRoot } from './repo-root';

/**
 * `startInfrastructure({dataDir})` keeps what the database and the broker hold: servers started again on
 * the same folder have the last ones' documents and messages (what `npm start` relies on, and what tests
 * of a database restart can use). Starts its own servers, whatever the tier's shared ones are.
 */
describe('infrastructure with a data folder', () => {
  const env = { ...process.env, MONGODB_URI: '', KAFKA_BROKERS: '' };
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'infra-data-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('has the documents and messages of the previous run after a restart', async () => {
    const repoRoot = findRepoRoot();
    const first = await startInfrastructure({ repoRoot, env, dataDir });
    try {
      const client = new MongoClient(first.mongodbUri, { directConnection: true });
      try {
        await client.db('kept').collection('things').insertOne({ _id: 'a' as never, value: 42 });
      } finally {
        await client.close();
      }
      const producer = new Kafka({ brokers: [first.kafkaBrokers], logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({ topic: 'kept.v1', messages: [{ key: 'k', value: 'before the restart' }] });
      await producer.disconnect();
    } finally {
      await first.stop();
    }

    const second = await startInfrastructure({ repoRoot, env, dataDir });
    try {
      const client = new MongoClient(second.mongodbUri, { directConnection: true });
      try {
        expect(await client.db('kept').collection('things').findOne({ _id: 'a' as never })).toMatchObject({ value: 42 });
      } finally {
        await client.close();
      }
      const consumer = new Kafka({ brokers: [second.kafkaBrokers], logLevel: logLevel.NOTHING }).consumer({ groupId: 'persistence-check' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'kept.v1', fromBeginning: true });
      const value = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
      });
      await consumer.disconnect();
      expect(value).toBe('before the restart');
    } finally {
      await second.stop();
    }
  }, 240_000);
});
