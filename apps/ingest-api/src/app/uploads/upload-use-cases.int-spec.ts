import { randomUUID } from 'node:crypto';
import type { Principal } from '@media/scopes';
import { bootService, gatewayIntegrationEnv, type RunningService } from '@media/testing';
import { AppModule } from '../app.module';
import { tenantIdOf } from '../assets/asset.record';
import { loadIngestApiConfig } from '../ingest-api.config';
import { FinishUploadUseCase } from './finish-upload.use-case';
import { StartUploadUseCase } from './start-upload.use-case';
import { TransferChunkUseCase, type StoredChunk } from './transfer-chunk.use-case';
import { UploadProgressUseCase } from './upload-progress.use-case';
import { type Actor, UploadTransitions } from './upload-transitions';

/**
 * The upload use cases below HTTP, on a real MongoDB-wire server: offsets, leases, refusals and the one
 * compare-and-set loop. Nothing here reaches storage (its URL leads nowhere): each case either stops
 * before bytes would move, or stands for a stored chunk by its receipt, which is all a commit looks at.
 */
describe('upload use cases on a real database', () => {
  let running: RunningService;
  let starts: StartUploadUseCase;
  let transfers: TransferChunkUseCase;
  let finishes: FinishUploadUseCase;
  let progress: UploadProgressUseCase;
  let transitions: UploadTransitions;
  const CHUNK = 1024;

  beforeAll(async () => {
    const env = gatewayIntegrationEnv('ingest-upload-use-cases', {
      UPLOAD_CHUNK_SIZE: String(CHUNK),
    });
    running = await bootService(AppModule.register(loadIngestApiConfig(env)));
    starts = running.app.get(StartUploadUseCase);
    transfers = running.app.get(TransferChunkUseCase);
    finishes = running.app.get(FinishUploadUseCase);
    progress = running.app.get(UploadProgressUseCase);
    transitions = running.app.get(UploadTransitions);
  }, 120_000);

  afterAll(async () => {
    await running?.close();
  });

  const actorOf = (tenant = `t-${randomUUID()}`): Actor => ({ principal: { tenant, subject: 'use-case-test', scopes: ['assets', 'assets_publish'] } satisfies Principal });
  const leaseMs = 60_000;

  /** Takes the lease as a transfer does and stands for the bytes storage would have stored. */
  async function leasedChunk(actor: Actor, id: string, bytes: number, chunkSha256 = 'x'): Promise<StoredChunk> {
    const transferId = randomUUID();
    const record = await transitions.apply(tenantIdOf(actor.principal), id, () => ({ kind: 'begin_transfer', transferId, now: Date.now(), leaseMs }));
    return { transferId, uploadId: record.upload?.upload_id ?? '', offset: record.upload?.received ?? -1, bytes, chunkSha256 };
  }

  it('starts an upload with the offsets of its first chunk, visible only to its tenant', async () => {
    const actor = actorOf();
    const asset = await starts.execute(actor, { upload_phase: 'start', file_size: 2500, name: 'movie' });
    expect(asset).toMatchObject({ status: 'uploading', name: 'movie', file_size: 2500 });
    expect(await progress.execute(actor.principal, asset._id)).toEqual({ id: asset._id, start_offset: 0, end_offset: CHUNK, file_size: 2500 });
    await expect(progress.execute(actorOf().principal, asset._id)).rejects.toMatchObject({ status: 404 });
  });

  it('moves the offsets by what a committed chunk carried, and frees the lease for the next one', async () => {
    const actor = actorOf();
    const { _id: id } = await starts.execute(actor, { upload_phase: 'start', file_size: 2500 });
    const first = await leasedChunk(actor, id, 1000);
    expect(await transfers.commit(actor, id, first, { startOffset: 0 })).toEqual({ id, start_offset: 1000, end_offset: 1000 + CHUNK, file_size: 2500 });
    const second = await leasedChunk(actor, id, 1500);
    expect(second.offset).toBe(1000);
    expect(await transfers.commit(actor, id, second, { originalName: 'movie.mp4' })).toEqual({ id, start_offset: 2500, end_offset: 2500, file_size: 2500 });
  });

  it('lets exactly one of two racing transfers hold the lease (two replicas alike); the other gets 409', async () => {
    const actor = actorOf();
    const { _id: id } = await starts.execute(actor, { upload_phase: 'start', file_size: 2500 });
    const outcomes = await Promise.allSettled([leasedChunk(actor, id, 10), leasedChunk(actor, id, 10)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ status: 409, code: 'transfer_in_progress' });
  });

  it.each([
    ['a start_offset that is not the server’s', { startOffset: 7 }, { status: 409, code: 'offset_mismatch' }],
    ['a checksum that does not match the stored bytes', { checksum: 'y' }, { status: 400, code: 'checksum_mismatch' }],
  ])('refuses a chunk with %s, keeps the offsets and frees the lease', async (_, claims, problem) => {
    const actor = actorOf();
    const { _id: id } = await starts.execute(actor, { upload_phase: 'start', file_size: 2500 });
    const chunk = await leasedChunk(actor, id, 1000);
    await expect(transfers.commit(actor, id, chunk, claims)).rejects.toMatchObject(problem);
    expect(await progress.execute(actor.principal, id)).toMatchObject({ start_offset: 0 });
    // The lease went with the refusal: the retry does not wait for it to run out.
    expect((await leasedChunk(actor, id, 1000)).offset).toBe(0);
  });

  it('refuses a finish before every byte with 422 and the offsets, without asking storage', async () => {
    const actor = actorOf();
    const { _id: id } = await starts.execute(actor, { upload_phase: 'start', file_size: 2500 });
    await transfers.commit(actor, id, await leasedChunk(actor, id, 1000), {});
    await expect(finishes.execute(actor, id)).rejects.toMatchObject({ status: 422, code: 'upload_incomplete' });
  });

  it('expires an upload past its time to live: 410 from then on, and once only', async () => {
    const actor = actorOf();
    const { _id: id } = await starts.execute(actor, { upload_phase: 'start', file_size: 2500 });
    const later = Date.now() + 48 * 3600 * 1000;
    const expired = await transitions.apply(tenantIdOf(actor.principal), id, () => ({ kind: 'expire', now: later }));
    expect(expired).toMatchObject({ status: 'failed' });
    const again = await transitions.apply(tenantIdOf(actor.principal), id, () => ({ kind: 'expire', now: later }));
    expect(again.version).toBe(expired.version);
    await expect(progress.execute(actor.principal, id)).rejects.toMatchObject({ status: 410, code: 'upload_expired' });
    await expect(leasedChunk(actor, id, 10)).rejects.toMatchObject({ status: 410 });
  });
});
