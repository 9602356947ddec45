import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Asset } from '@media/asset-model';
import { fixtureDir, type IsolatedStack, makeVideo, multipartBody, startIsolatedStack, tokenFor, waitFor } from '@media/testing';
import { MongoClient } from 'mongodb';
import { terminate } from './shutdown.helpers';

/**
 * SIGTERM to the encoder mid-job, on a stack of its own: the encoder exits 0 within its bound, and the
 * job is run again by the next encoder, so the asset still becomes ready.
 */
describe('graceful shutdown of the encoder', () => {
  let stack: IsolatedStack;
  let mongo: MongoClient;
  let token: string;
  const encoders = new Set<ChildProcess>();

  beforeAll(async () => {
    stack = await startIsolatedStack({ name: 'shutdown-encoder', services: ['ingest-api', 'storage'] });
    mongo = await MongoClient.connect(stack.databaseUri);
    token = await tokenFor('shutdown-encoder');
  }, 180_000);

  afterAll(async () => {
    for (const encoder of encoders) encoder.kill('SIGKILL');
    await mongo?.close();
    await stack?.stop();
  });

  async function launchEncoder(name: string): Promise<ChildProcess> {
    const child = await stack.suite.launchReplica('encoder', name, {
      ENCODER_WORKERS: '1',
      ENCODER_LEASE_SECONDS: '3',
      ENCODER_POLL_INTERVAL_MS: '200',
      SHUTDOWN_GRACE_SECONDS: '2',
    });
    encoders.add(child);
    child.once('exit', () => encoders.delete(child));
    return child;
  }

  it('SIGTERM mid-job: exit 0, and the job is run again so the asset becomes ready', async () => {
    const video = await makeVideo(await fixtureDir(), { seconds: 8, size: '1280x720', bitrate: '2M', name: 'shutdown.mp4' });
    const first = await launchEncoder('encoder-sigterm-1');
    const { body, contentType } = multipartBody([{ name: 'source', value: await readFile(video), filename: 'shutdown.mp4' }]);
    const created = await fetch(`${stack.gateway}/assets`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });
    expect(created.status).toBe(201);
    const asset = (await created.json()) as Asset;
    const jobs = mongo.db().collection<{ asset_id: string; status: string; lease_token: string | null; attempts: number }>('encoding_jobs');
    await waitFor('the job to be claimed', async () => (await jobs.findOne({ asset_id: asset.id, lease_token: { $ne: null } })) !== null, { timeoutMs: 60_000, intervalMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const { code, signal, ms } = await terminate(first);
    process.stderr.write(`[shutdown] encoder SIGTERM-to-exit mid-job: ${ms} ms\n`);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(2_000 + 10_000);

    const second = await launchEncoder('encoder-sigterm-2');
    let done: Asset | undefined;
    await waitFor('the asset to be processed', async () => {
      done = (await (await fetch(`${stack.gateway}/assets/${asset.id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as Asset;
      return done.status === 'ready' || done.status === 'failed';
    }, { timeoutMs: 180_000 });
    expect(done).toMatchObject({ status: 'ready', width: 1280, height: 720 });
    expect(new Set(done?.cdn_files.items.map((file) => file.id)).size).toBe(done?.cdn_files.total);
    expect(await terminate(second)).toMatchObject({ code: 0, signal: null });
  });
});
