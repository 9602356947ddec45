import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { e2eContext, findRepoRoot, freePort, identityEnv, launchService, multipartBody, sendAndCut, tokenFor, waitFor } from '@media/testing';

const context = e2eContext();

/**
 * A second ingest-api replica on the same database, with a 2-second upload TTL: transfers on two replicas
 * still exclude each other, and expired uploads answer 410 and lose their bytes.
 */
describe('a second ingest-api replica', () => {
  let replica: ChildProcess;
  let replicaUrl: string;
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    token = await tokenFor('replicas');
    const port = await freePort();
    replicaUrl = `http://127.0.0.1:${port}`;
    const repoRoot = findRepoRoot();
    const logs = path.join(repoRoot, 'reports', 'e2e-logs');
    mkdirSync(logs, { recursive: true });
    replica = launchService(
      repoRoot,
      'ingest-api',
      {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        MONGODB_URI: context.databaseUri,
        KAFKA_BROKERS: context.kafkaBrokers,
        JWT_HS256_SECRET: context.jwtSecret,
        STORAGE_URL: context.storage,
        FANOUT_URL: context.fanout,
        IMAGING_URL: context.encoder,
        PUBLIC_BASE_URL: context.gateway,
        ...identityEnv('ingest-api', context.identity),
        UPLOAD_TTL_SECONDS: '3',
        UPLOAD_EXPIRY_SWEEP_SECONDS: '1',
      },
      logs,
      'ingest-api-replica',
    );
    await waitFor('replica readiness', async () => (await fetch(`${replicaUrl}/health/ready`)).ok, { timeoutMs: 60_000 });
  });

  afterAll(() => {
    replica?.kill('SIGTERM');
  });

  async function start(base: string, fileSize: number): Promise<string> {
    const response = await fetch(`${base}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'start', file_size: fileSize }) });
    return ((await response.json()) as { id: string }).id;
  }

  it('refuses a transfer on one replica while another replica is receiving a chunk of the same upload', async () => {
    const id = await start(context.gateway, 20 * 1024 * 1024);
    const slow = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: Buffer.alloc(10 * 1024 * 1024, 1), filename: 'a.bin' },
    ]);
    const first = sendAndCut(`${context.gateway}/assets/${id}/multipart`, { ...auth(), 'content-type': slow.contentType }, slow.body, 5 * 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const small = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: Buffer.alloc(1000, 2), filename: 'b.bin' },
    ]);
    const second = await fetch(`${replicaUrl}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': small.contentType }, body: small.body });
    await first;
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: 'transfer_in_progress' });
  });

  it('expires an upload past its TTL: 410 on every phase, and its bytes are collected', async () => {
    const id = await start(replicaUrl, 1_000_000);
    const chunk = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: Buffer.alloc(300_000, 3), filename: 'c.bin' },
    ]);
    expect((await fetch(`${replicaUrl}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': chunk.contentType }, body: chunk.body })).status).toBe(200);

    await waitFor('the upload to expire', async () => (await fetch(`${replicaUrl}/assets/${id}/multipart`, { headers: auth() })).status === 410, { timeoutMs: 20_000 });
    const again = multipartBody([
      { name: 'upload_phase', value: 'transfer' },
      { name: 'file_chunk', value: Buffer.alloc(10, 3), filename: 'd.bin' },
    ]);
    const transfer = await fetch(`${replicaUrl}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': again.contentType }, body: again.body });
    expect(transfer.status).toBe(410);
    expect(await transfer.json()).toMatchObject({ code: 'upload_expired' });
    const finish = await fetch(`${replicaUrl}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: '{"upload_phase":"finish"}' });
    expect(finish.status).toBe(410);
    // The sweeper (every second on this replica) records the expiry: the asset fails with a reason.
    const read = async () => (await (await fetch(`${replicaUrl}/assets/${id}`, { headers: auth() })).json()) as { status: string; error: { code: string } | null };
    await waitFor('the sweeper to fail the asset', async () => (await read()).status === 'failed', { timeoutMs: 20_000 });
    expect(await read()).toMatchObject({ status: 'failed', error: { code: 'upload_expired' } });

    const client = await MongoClient.connect(context.databaseUri);
    try {
      const db = client.db();
      await waitFor('the expired bytes to be collected', async () => {
        const uploads = await db.collection('uploads').find({ asset_id: id }).toArray();
        const chunks = await db.collection('fs.chunks').countDocuments({ files_id: { $in: uploads.map((u) => u['_id']) } });
        return uploads.length === 0 && chunks === 0;
      }, { timeoutMs: 30_000 });
    } finally {
      await client.close();
    }
  });
});
