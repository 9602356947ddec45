import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Asset, assetEventEnvelopeSchema, processingResultSchema, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { ensureTopics } from '@media/messaging';
import {
  fixtureDir,
  type IsolatedStack,
  makePhoto,
  makeVideo,
  multipartBody,
  serviceAuthorization,
  sha256OfFile,
  startIsolatedStack,
  tokenFor,
  waitFor,
} from '@media/testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

interface JobDocument {
  _id: string;
  asset_id: string;
  status: string;
  attempts: number;
  lease_token: string | null;
  created_on: Date;
  changed_on: Date;
}

/**
 * The encoder's crash safety (issue 5), on a stack of its own (private Kafka and database) so that killing
 * and pausing encoders disturbs no other spec: ingest-api and storage from the stack, and encoders this
 * spec launches, kills (-9), pauses (SIGSTOP) and restarts itself.
 */
describe('processing survives crashes, poison files and competing replicas', () => {
  let stack: IsolatedStack;
  let mongo: MongoClient;
  let consumer: Consumer;
  let token: string;
  let dir: string;
  const encoders = new Set<ChildProcess>();
  const events: { asset: string; event: string; status: string }[] = [];
  const results: { asset: string; job: string }[] = [];

  beforeAll(async () => {
    stack = await startIsolatedStack({ name: 'processing-crash', services: ['ingest-api', 'storage'] });
    mongo = await MongoClient.connect(stack.databaseUri);
    token = await tokenFor('crash');
    dir = await fixtureDir();
    const kafka = new Kafka({ clientId: 'e2e-processing-crash', brokers: stack.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // Created here, so the outside consumer sees results from the first one on.
    await ensureTopics(admin, [TOPICS.assetEvents, TOPICS.processingResults].map((topic) => ({ topic, partitions: TOPIC_PARTITIONS[topic] })));
    await admin.disconnect();
    consumer = kafka.consumer({ groupId: 'e2e-processing-crash', maxWaitTimeInMs: 200 });
    await consumer.connect();
    // A fresh broker may answer metadata for a just-created topic before it serves it: ask again.
    await waitFor('the topics to be served', async () => {
      await consumer.subscribe({ topics: [TOPICS.assetEvents, TOPICS.processingResults], fromBeginning: true });
      return true;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = JSON.parse(String(message.value)) as unknown;
        if (topic === TOPICS.processingResults) {
          const result = processingResultSchema.parse(value);
          results.push({ asset: result.asset_id, job: result.job_id });
        } else {
          const envelope = assetEventEnvelopeSchema.parse(value);
          events.push({ asset: envelope.payload.id, event: envelope.event, status: envelope.payload.status });
        }
      },
    });
  });

  afterAll(async () => {
    for (const encoder of encoders) encoder.kill('SIGKILL');
    await consumer?.disconnect();
    await mongo?.close();
    await stack?.stop();
  });

  const auth = () => ({ Authorization: `Bearer ${token}` });
  const jobs = () => mongo.db().collection<JobDocument>('encoding_jobs');

  /** One encoder process on the stack: one worker, a 3-second lease, quick polls. */
  async function launchEncoder(name: string, env: NodeJS.ProcessEnv = {}, { ready = true } = {}): Promise<ChildProcess> {
    const child = await stack.suite.launchReplica('encoder', name, {
      ENCODER_WORKERS: '1',
      ENCODER_LEASE_SECONDS: '3',
      ENCODER_POLL_INTERVAL_MS: '200',
      // A restarted encoder re-runs a crashed job after this pause (the poison test uses the default).
      ENCODER_CRASH_BACKOFF_SECONDS: '1',
      ...env,
    }, { ready });
    encoders.add(child);
    child.once('exit', () => encoders.delete(child));
    return child;
  }

  function exited(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  }

  async function upload(file: string): Promise<Asset> {
    const { body, contentType } = multipartBody([{ name: 'source', value: await readFile(file), filename: path.basename(file) }]);
    const response = await fetch(`${stack.gateway}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(response.status).toBe(201);
    return (await response.json()) as Asset;
  }

  async function read(id: string): Promise<Asset> {
    return (await (await fetch(`${stack.gateway}/assets/${id}`, { headers: auth() })).json()) as Asset;
  }

  async function settled(id: string, timeoutMs = 180_000): Promise<Asset> {
    let asset: Asset | undefined;
    await waitFor(`asset ${id} to settle`, async () => {
      asset = await read(id);
      return asset.status === 'ready' || asset.status === 'failed';
    }, { timeoutMs });
    return asset as Asset;
  }

  async function claimedJobOf(assetId: string): Promise<JobDocument> {
    let job: JobDocument | null = null;
    await waitFor(`the job of ${assetId} to be claimed`, async () => {
      job = await jobs().findOne({ asset_id: assetId, status: 'pending', lease_token: { $ne: null } });
      return job !== null;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    return job as unknown as JobDocument;
  }

  /** Files storage holds for the asset: exactly the asset's cdn files, no duplicates, no leftovers. */
  async function storedFileCount(asset: Asset): Promise<number> {
    const authorization = await serviceAuthorization('ingest-api', 'storage', stack.suite.identity);
    const response = await fetch(`${stack.suite.urls.storage}/assets/${asset.id}/files`, { headers: { 'x-tenant': 'crash', authorization } });
    return ((await response.json()) as { items: unknown[] }).items.length;
  }

  it('runs a job again after kill -9 of its encoder mid-job, and the asset becomes ready', async () => {
    const video = await makeVideo(dir, { seconds: 8, size: '1280x720', bitrate: '2M', name: 'long.mp4' });
    const first = await launchEncoder('encoder-kill-1');
    const asset = await upload(video);
    await claimedJobOf(asset.id);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await read(asset.id)).status).toBe('processing');
    first.kill('SIGKILL');
    await exited(first);

    const second = await launchEncoder('encoder-kill-2');
    const done = await settled(asset.id);
    expect(done).toMatchObject({ status: 'ready', width: 1280, height: 720 });
    expect(await jobs().findOne({ asset_id: asset.id })).toMatchObject({ status: 'ready', attempts: 2 });
    expect(new Set(done.cdn_files.items.map((file) => file.id)).size).toBe(done.cdn_files.total);
    second.kill('SIGTERM');
    await exited(second);
  });

  it('fails a file that kills its worker every time after the bounded attempts, while the job behind it completes', async () => {
    const poison = await makePhoto(dir, { size: '321x123', name: 'poison.jpg' });
    const behind = await makePhoto(dir, { size: '322x124', name: 'behind.jpg' });
    // The pause before a crashed job runs again (15 s, then 30 s) is what lets a restarted encoder take in
    // the job behind it. Should the first encoder die before it recorded "behind", its successor reads that
    // event only once the dead member's Kafka session (30 s) has expired: 15 + 30 s of pauses still cover
    // that. Failpoints are refused in production, so this encoder runs as a test build.
    const env = { NODE_ENV: 'test', ENCODER_FAILPOINT_CRASH_ON_SHA256: await sha256OfFile(poison), ENCODER_MAX_ATTEMPTS: '3', ENCODER_CRASH_BACKOFF_SECONDS: '15' };
    // Both are queued at once, so "behind" is waiting when the crashes begin.
    const poisonAsset = await upload(poison);
    const behindAsset = await upload(behind);

    // A supervisor, as Kubernetes would be: every crash is followed by a fresh process.
    let crashes = 0;
    let supervising = true;
    const supervise = async (): Promise<void> => {
      while (supervising) {
        const encoder = await launchEncoder(`encoder-poison-${crashes}`, env, { ready: false });
        await exited(encoder);
        if (encoder.signalCode === 'SIGKILL' && supervising) crashes += 1;
      }
    };
    const supervisor = supervise();
    try {
      expect(await settled(behindAsset.id)).toMatchObject({ status: 'ready', width: 322, height: 124 });
      const failed = await settled(poisonAsset.id);
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'worker_crashed' } });
      expect(failed.cdn_files.items.map((file) => file.role)).toEqual(['original']);
      expect(crashes).toBe(3);
      const poisonJob = await jobs().findOne({ asset_id: poisonAsset.id });
      const behindJob = await jobs().findOne({ asset_id: behindAsset.id });
      expect(poisonJob).toMatchObject({ status: 'failed', attempts: 4 });
      // The job behind ran once, by itself, and finished while the poison job was still killing workers.
      expect(behindJob).toMatchObject({ status: 'ready', attempts: 1 });
      expect((behindJob?.changed_on as Date).getTime()).toBeLessThan((poisonJob?.changed_on as Date).getTime());
      expect((behindJob?.created_on as Date).getTime()).toBeLessThan((poisonJob?.changed_on as Date).getTime());
    } finally {
      supervising = false;
      for (const encoder of encoders) encoder.kill('SIGTERM');
      await supervisor;
    }
  }, 300_000);

  it('lets only one of two replicas complete a job: one ready transition, one result, no duplicate files', async () => {
    const video = await makeVideo(dir, { seconds: 6, size: '960x540', bitrate: '2M', name: 'contested.mp4' });
    const a = await launchEncoder('encoder-replica-a');
    const asset = await upload(video);
    const claimedByA = await claimedJobOf(asset.id);
    // Replica A freezes mid-job past its lease; replica B takes the job over and completes it.
    a.kill('SIGSTOP');
    const b = await launchEncoder('encoder-replica-b');
    try {
      const done = await settled(asset.id);
      expect(done.status).toBe('ready');
      // A wakes up: its lease is gone, so it deletes what it stored and reports nothing.
      a.kill('SIGCONT');
      await waitFor('replica A to give up its stale attempt', async () => (await storedFileCount(done)) === done.cdn_files.total, { timeoutMs: 90_000 });
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect(await storedFileCount(done)).toBe(done.cdn_files.total);
      expect(await read(asset.id)).toMatchObject({ status: 'ready', cdn_files: { total: done.cdn_files.total } });
      expect(new Set(done.cdn_files.items.map((file) => file.id)).size).toBe(done.cdn_files.total);
      expect(events.filter((e) => e.asset === asset.id && e.event === 'asset.changed' && e.status === 'ready')).toHaveLength(1);
      expect(results.filter((r) => r.asset === asset.id)).toHaveLength(1);
      expect(await jobs().findOne({ _id: claimedByA._id })).toMatchObject({ status: 'ready', attempts: 2 });
    } finally {
      a.kill('SIGCONT');
      a.kill('SIGTERM');
      b.kill('SIGTERM');
      await Promise.all([exited(a), exited(b)]);
    }
  });
});
