import { randomUUID } from 'node:crypto';
import { integrationEnv } from '@media/testing';
import { type Connection, createConnection } from 'mongoose';
import type { ProcessingResultMessage } from '@media/asset-model';
import type { NewEncodingJob } from './encoding-job.record';
import { EncodingJobRepository } from './encoding-job.repository';

const LEASE_MS = 60_000;

function newJob(name: string): NewEncodingJob {
  const assetId = `asset-${name}-${randomUUID().slice(0, 8)}`;
  return {
    _id: `${assetId}:orig`,
    asset_id: assetId,
    tenant: 'acme',
    original_file_id: 'orig',
    sha256: 'a'.repeat(64),
    label: 'Video',
    mime_type: 'video/mp4',
    original_name: 'film.mp4',
    trigger_event_id: randomUUID(),
    traceparent: null,
  };
}

function readyResult(job: NewEncodingJob): ProcessingResultMessage {
  return {
    id: randomUUID(),
    created_on: new Date().toISOString(),
    job_id: job._id,
    asset_id: job.asset_id,
    tenant: job.tenant,
    original_file_id: job.original_file_id,
    outcome: 'ready',
    width: 640,
    bitrate: null,
    page_count: null,
    height: 360,
    duration: 1,
    files: [],
    error: null,
  };
}

/** The job queue on the real MongoDB-wire server: claims, leases, attempts and the completing compare-and-set. */
describe('encoding jobs in MongoDB', () => {
  let connection: Connection;
  let jobs: EncodingJobRepository;
  // Each test moves its own clock; jobs of earlier tests stay behind in the past or in the far future.
  let clock = Date.now();
  const at = (offsetMs = 0) => new Date(clock + offsetMs);

  beforeAll(async () => {
    connection = await createConnection(integrationEnv('encoding-jobs')['MONGODB_URI'] as string).asPromise();
    jobs = new EncodingJobRepository(connection);
    await jobs.onModuleInit();
  });

  afterAll(async () => {
    await connection?.close();
  });

  beforeEach(async () => {
    // Whatever earlier tests left claimable is finished off, so each test sees only its own jobs.
    clock += 24 * 60 * 60 * 1000;
    for (let claim = await jobs.claimNext(at(), LEASE_MS); claim; claim = await jobs.claimNext(at(), LEASE_MS)) {
      await jobs.complete(claim, readyResult(claim.record));
    }
  });

  it('records a job once: a redelivered event finds it there', async () => {
    const job = newJob('once');
    expect(await jobs.insertOnce(job, at())).toBe(true);
    expect(await jobs.insertOnce(job, at())).toBe(false);
    expect(await jobs.findOne(job._id)).toMatchObject({ status: 'pending', attempts: 0, lease_token: null });
  });

  it('claims the oldest due job, counts the attempt, and holds it for the lease', async () => {
    const first = newJob('first');
    const second = newJob('second');
    await jobs.insertOnce(first, at(-2000));
    await jobs.insertOnce(second, at(-1000));

    const claim = await jobs.claimNext(at(), LEASE_MS);
    expect(claim?.record).toMatchObject({ _id: first._id, attempts: 1, lease_token: claim?.leaseToken });
    expect(claim?.record.due_at?.getTime()).toBe(clock + LEASE_MS);
    // The held job is not claimed again while its lease runs; the one behind it is.
    expect((await jobs.claimNext(at(), LEASE_MS))?.record._id).toBe(second._id);
    expect(await jobs.claimNext(at(LEASE_MS - 1), LEASE_MS)).toBeNull();
  });

  it('hands a job whose worker died to the next claim once the lease ends, with a new token and one more attempt', async () => {
    const job = newJob('crashed');
    await jobs.insertOnce(job, at());
    const dead = await jobs.claimNext(at(), LEASE_MS);
    const next = await jobs.claimNext(at(LEASE_MS), LEASE_MS);
    expect(next?.record).toMatchObject({ _id: job._id, attempts: 2 });
    expect(next?.leaseToken).not.toBe(dead?.leaseToken);
  });

  it('lets jobs queued behind a crashing job go first', async () => {
    const poison = newJob('poison');
    const behind = newJob('behind');
    await jobs.insertOnce(poison, at(-2000));
    await jobs.insertOnce(behind, at(-1000));
    await jobs.claimNext(at(), LEASE_MS); // the poison job; its worker dies
    // When the poison job's lease ends, the job behind it (due since before) is still claimed first.
    expect((await jobs.claimNext(at(LEASE_MS), LEASE_MS))?.record._id).toBe(behind._id);
    expect((await jobs.claimNext(at(LEASE_MS), LEASE_MS))?.record).toMatchObject({ _id: poison._id, attempts: 2 });
  });

  it('completes a job only for the holder of the current lease, and only once', async () => {
    const job = newJob('cas');
    await jobs.insertOnce(job, at());
    const lost = await jobs.claimNext(at(), LEASE_MS);
    const current = await jobs.claimNext(at(LEASE_MS), LEASE_MS);
    if (!lost || !current) throw new Error('expected two claims');

    expect(await jobs.renewLease(lost, at(2 * LEASE_MS))).toBe(false);
    expect(await jobs.complete(lost, readyResult(job))).toBe(false);
    expect(await jobs.renewLease(current, at(2 * LEASE_MS))).toBe(true);
    const result = readyResult(job);
    expect(await jobs.complete(current, result)).toBe(true);
    expect(await jobs.complete(current, readyResult(job))).toBe(false);
    expect(await jobs.findOne(job._id)).toMatchObject({ status: 'ready', lease_token: null, due_at: null, result: { id: result.id }, reported_on: null });
    expect(await jobs.claimNext(at(10 * LEASE_MS), LEASE_MS)).toBeNull();
  });

  it('gives exactly one of many racing claimers each job', async () => {
    const racing = Array.from({ length: 5 }, (_, i) => newJob(`race-${i}`));
    for (const job of racing) await jobs.insertOnce(job, at());
    const claims = await Promise.all(Array.from({ length: 20 }, () => jobs.claimNext(at(), LEASE_MS)));
    const won = claims.filter((claim) => claim !== null).map((claim) => claim?.record._id);
    expect(won.sort()).toEqual(racing.map((job) => job._id).sort());
  });

  it('gives a job back after an infrastructure error without using up its attempt', async () => {
    const job = newJob('release');
    await jobs.insertOnce(job, at());
    const claim = await jobs.claimNext(at(), LEASE_MS);
    if (!claim) throw new Error('expected a claim');
    expect(await jobs.release(claim, at(5000), 'storage is unreachable')).toBe(true);
    expect(await jobs.claimNext(at(4999), LEASE_MS)).toBeNull();
    expect((await jobs.claimNext(at(5000), LEASE_MS))?.record).toMatchObject({ attempts: 1, transient_failures: 1, last_error: 'storage is unreachable' });
  });

  it('lists recorded results not yet reported until they are marked', async () => {
    const job = newJob('report');
    await jobs.insertOnce(job, at());
    const claim = await jobs.claimNext(at(), LEASE_MS);
    if (!claim) throw new Error('expected a claim');
    await jobs.complete(claim, readyResult(job), at());
    expect((await jobs.findUnreported(at(1), 1000)).map((record) => record._id)).toContain(job._id);
    expect((await jobs.findUnreported(at(-1), 1000)).map((record) => record._id)).not.toContain(job._id);
    await jobs.markReported(job._id);
    expect((await jobs.findUnreported(at(1), 1000)).map((record) => record._id)).not.toContain(job._id);
  });
});
