import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { type RunningMongo, startMongo } from './mongo.process';
import { findRepoRoot } from './repo-root';

/**
 * The chaos run restarts the database server on its data folder and then holds the services to every write
 * it acknowledged. That is only fair if the server itself keeps every write it acknowledged, including those
 * answered while it was being stopped: writers insert without pause while the server is restarted, and every
 * acknowledged document must be there at the end.
 */
describe('the database server on disk across restarts', () => {
  let dataDir: string;
  let mongo: RunningMongo | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'mongo-restart-'));
  });

  afterAll(async () => {
    await mongo?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every insert it acknowledged while it was restarted under concurrent writers', async () => {
    const repoRoot = findRepoRoot();
    mongo = await startMongo({ repoRoot, dataDir });
    const port = Number(new URL(mongo.uri).port);
    // No retries: an acknowledgement must come from the server that stored the document, not a second try.
    const client = new MongoClient(mongo.uri, { directConnection: true, retryWrites: false, serverSelectionTimeoutMS: 30_000 });
    const documents = client.db('restart').collection<{ _id: string; body: string }>('things');
    const acknowledged: string[] = [];
    let writing = true;
    let next = 0;
    const writer = async (): Promise<void> => {
      while (writing) {
        const batch = Array.from({ length: 3 }, () => ({ _id: `doc-${next++}`, body: 'x'.repeat(2_000) }));
        try {
          await documents.insertMany(batch, { ordered: false });
          acknowledged.push(...batch.map((doc) => doc._id));
        } catch {
          // Not acknowledged (the server was going or coming): these may or may not be stored.
          await sleep(20);
        }
      }
    };
    const writers = Array.from({ length: 6 }, writer);
    try {
      for (let restart = 0; restart < 3; restart += 1) {
        await sleep(1_500);
        await mongo.stop();
        mongo = await startMongo({ repoRoot, dataDir, port });
      }
      await sleep(1_000);
    } finally {
      writing = false;
      await Promise.all(writers);
      await client.close();
    }
    // Read back from a server started once more on the same files.
    await mongo.stop();
    mongo = await startMongo({ repoRoot, dataDir, port });
    const reader = await MongoClient.connect(mongo.uri, { directConnection: true });
    try {
      const stored = new Set((await reader.db('restart').collection('things').find({}, { projection: { _id: 1 } }).toArray()).map((doc) => String(doc._id)));
      expect(acknowledged.length).toBeGreaterThan(100);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await reader.close();
    }
  }, 180_000);
});
