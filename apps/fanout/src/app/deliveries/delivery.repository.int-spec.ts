import { randomUUID } from 'node:crypto';
import { integrationEnv } from '@media/testing';
import mongoose, { type Connection, type Model } from 'mongoose';
import { loadFanoutConfig } from '../fanout.config';
import { asTenantId, type DeliveryRecord, type EndpointHeadRecord } from '../webhooks/webhook.record';
import { DELIVERY_MODEL, deliverySchema, ENDPOINT_HEAD_MODEL, endpointHeadSchema } from '../webhooks/webhook.schema';
import { type ClaimedDelivery, DeliveryRepository } from './delivery.repository';
import { HEAD_WINDOW } from './endpoint-head';
import { FairShare } from './fair-share';

const LEASE_MS = 60_000;

function delivery(tenant: string, webhookId: string, due: Date): DeliveryRecord {
  return {
    _id: randomUUID(),
    tenant: asTenantId(tenant),
    webhook_id: webhookId,
    event_id: randomUUID(),
    event: 'asset.created',
    body: '{}',
    status: 'pending',
    failures: 0,
    next_attempt_at: due,
    lease_token: null,
    attempts: [],
    last_error: null,
    traceparent: null,
    created_on: due,
    changed_on: due,
  };
}

/**
 * The delivery queue on the MongoDB-wire server, driven directly (no worker claims behind the test's
 * back): claims through endpoint heads stay fair, and every way the two writes (delivery, then head) can
 * be cut apart by a crash ends with the delivery claimable again.
 */
describe('DeliveryRepository with endpoint heads', () => {
  const env = integrationEnv('fanout-delivery-repository');
  const config = loadFanoutConfig(env);
  let connection: Connection;
  let deliveries: Model<DeliveryRecord>;
  let heads: Model<EndpointHeadRecord>;
  let repository: DeliveryRepository;

  beforeAll(async () => {
    connection = await mongoose.createConnection(env['MONGODB_URI'] ?? '').asPromise();
    deliveries = connection.model<DeliveryRecord>(DELIVERY_MODEL, deliverySchema);
    heads = connection.model<EndpointHeadRecord>(ENDPOINT_HEAD_MODEL, endpointHeadSchema);
    await Promise.all([deliveries.init(), heads.init()]);
    repository = new DeliveryRepository(deliveries, heads, config);
  });

  beforeEach(async () => {
    await Promise.all([deliveries.deleteMany({}), heads.deleteMany({})]);
  });

  afterAll(async () => {
    await connection?.close();
  });

  /** Claims like one replica's worker: until nothing is due for a tenant and endpoint below its share. */
  async function claimAll(share: FairShare, now: Date, into: ClaimedDelivery[] = []): Promise<ClaimedDelivery[]> {
    for (;;) {
      const claim = await repository.claimDue(now, LEASE_MS, share.saturated());
      if (!claim) return into;
      share.acquire(claim.record);
      into.push(claim);
    }
  }

  it("gives a tenant with one endpoint its delivery while another tenant's 50 endpoints hold a backlog", async () => {
    const now = new Date();
    const stuck = `t-${randomUUID()}`;
    const well = `t-${randomUUID()}`;
    const stuckHooks = Array.from({ length: 50 }, () => randomUUID());
    // Older than the healthy tenant's delivery: a plain oldest-first queue would hand out these first.
    for (let event = 0; event < 3; event += 1) {
      await repository.insertAllOnce(stuckHooks.map((hook) => delivery(stuck, hook, new Date(now.getTime() - 10_000 + event))));
    }
    expect(await repository.insertAllOnce([delivery(well, 'well-hook', now)])).toBe(1);

    const share = new FairShare(4, 2);
    const claims = await claimAll(share, now);
    expect(claims.filter((claim) => claim.record.tenant === stuck)).toHaveLength(4);
    expect(claims.filter((claim) => claim.record.tenant === well)).toHaveLength(1);
    // One head per endpoint, whatever the backlog.
    expect(await heads.countDocuments({})).toBe(51);
  });

  it('claims every delivery of an endpoint with more than a window of them exactly once, also from two replicas', async () => {
    const now = new Date();
    const tenant = `t-${randomUUID()}`;
    const planned = Array.from({ length: HEAD_WINDOW * 3 }, (_, index) => delivery(tenant, 'busy-hook', new Date(now.getTime() - 100_000 + index * 10)));
    // In several events, as the consumer plans them; a Kafka redelivery of the first adds nothing.
    for (let start = 0; start < planned.length; start += 8) await repository.insertAllOnce(planned.slice(start, start + 8));
    expect(await repository.insertAllOnce(planned.slice(0, 8).map((record) => ({ ...record, _id: randomUUID() })))).toBe(0);
    expect((await heads.findById('busy-hook').lean())?.entries.length).toBeLessThanOrEqual(HEAD_WINDOW);

    const second = new DeliveryRepository(deliveries, heads, config);
    const sent: string[] = [];
    // Two replicas, each sending two at a time and recording success, until nothing is left.
    await Promise.all(
      [repository, second].map(async (replica) => {
        for (;;) {
          const batch = (await Promise.all([replica.claimDue(new Date(), LEASE_MS), replica.claimDue(new Date(), LEASE_MS)])).filter((claim) => claim !== null);
          if (batch.length === 0) return;
          for (const claim of batch) {
            sent.push(claim.record._id);
            expect(await replica.recordAttempt(claim, null, { status: 'succeeded' }, null)).toBe(true);
          }
        }
      }),
    );
    expect(sent.sort()).toEqual(planned.map((record) => record._id).sort());
    expect(await deliveries.countDocuments({ status: 'pending' })).toBe(0);
    // A refill that lost its compare-and-set to the other replica at the very end may leave the head
    // pointing past its window at deliveries that are gone; the next claim refills it and finds it empty.
    expect(await repository.claimDue(new Date(), LEASE_MS)).toBeNull();
    expect((await heads.findById('busy-hook').lean())?.due_at).toBeNull();
  });

  it('brings a retried delivery back when it is due, behind the lease while it is on the wire', async () => {
    const now = new Date();
    const record = delivery(`t-${randomUUID()}`, 'retry-hook', now);
    await repository.insertAllOnce([record]);
    const claim = await repository.claimDue(now, LEASE_MS);
    expect(claim?.record._id).toBe(record._id);
    expect(await repository.claimDue(now, LEASE_MS)).toBeNull();
    expect((await heads.findById('retry-hook').lean())?.in_flight).toBe(1);
    const retryAt = new Date(now.getTime() + 5_000);
    await repository.recordAttempt(claim as ClaimedDelivery, null, { status: 'pending', nextAttemptAt: retryAt, failures: 1 }, 'HTTP 500');
    expect(await repository.claimDue(new Date(retryAt.getTime() - 1), LEASE_MS)).toBeNull();
    expect((await repository.claimDue(retryAt, LEASE_MS))?.record._id).toBe(record._id);
  });

  it('finds a delivery whose head was never written (a crash after the insert): by the redelivered message, or by the repair', async () => {
    const now = new Date();
    const tenant = `t-${randomUUID()}`;
    const redelivered = delivery(tenant, 'crash-hook-a', now);
    const orphan = delivery(tenant, 'crash-hook-b', now);
    // The delivery documents exist; the process died before telling the heads.
    await deliveries.collection.insertMany([redelivered, orphan] as never[]);
    expect(await repository.claimDue(now, LEASE_MS)).toBeNull();

    // Kafka hands the uncommitted message out again: a duplicate, yet its head learns to look.
    expect(await repository.insertAllOnce([{ ...redelivered, _id: randomUUID() }])).toBe(0);
    expect((await repository.claimDue(now, LEASE_MS))?.record._id).toBe(redelivered._id);
    expect(await repository.claimDue(now, LEASE_MS)).toBeNull();

    // A message that will never come again (dead-lettered, or planned before heads existed): the repair.
    expect(await repository.repairHeads()).toBe(1);
    expect((await repository.claimDue(now, LEASE_MS))?.record._id).toBe(orphan._id);
    expect(await repository.repairHeads()).toBe(0);
  });

  it('recovers from a crash between claiming a delivery and marking its head, and between recording an attempt and settling its head', async () => {
    const now = new Date();
    const tenant = `t-${randomUUID()}`;
    const leasedAway = delivery(tenant, 'cut-hook', now);
    const finished = delivery(tenant, 'cut-hook', now);
    await repository.insertAllOnce([leasedAway, finished]);

    // A replica leased `leasedAway` and died before its head heard of it.
    await deliveries.updateOne({ _id: leasedAway._id }, { $set: { next_attempt_at: new Date(now.getTime() + LEASE_MS), lease_token: 'dead-replica' } });
    // Another finished `finished` and died before settling its head.
    await deliveries.updateOne({ _id: finished._id }, { $set: { status: 'succeeded', next_attempt_at: null } });

    // The head still lists both as due: a claim corrects both entries from the deliveries and claims neither.
    expect(await repository.claimDue(now, LEASE_MS)).toBeNull();
    const head = await heads.findById('cut-hook').lean();
    expect(head?.entries).toEqual([{ id: leasedAway._id, due: new Date(now.getTime() + LEASE_MS), leased: true }]);

    // Once the dead replica's lease runs out, the delivery is taken over, exactly once.
    const later = new Date(now.getTime() + LEASE_MS + 1);
    const takeover = await repository.claimDue(later, LEASE_MS);
    expect(takeover?.record._id).toBe(leasedAway._id);
    expect(await repository.claimDue(later, LEASE_MS)).toBeNull();
    expect(await repository.recordAttempt(takeover as ClaimedDelivery, null, { status: 'succeeded' }, null)).toBe(true);
    expect(await deliveries.countDocuments({ status: 'pending' })).toBe(0);
  });

  it('makes a manual retry claimable and forgets the head of a deleted subscription', async () => {
    const now = new Date();
    const tenant = asTenantId(`t-${randomUUID()}`);
    const record = delivery(tenant, 'manual-hook', now);
    await repository.insertAllOnce([record]);
    const claim = await repository.claimDue(now, LEASE_MS);
    await repository.recordAttempt(claim as ClaimedDelivery, null, { status: 'failed', failures: 7 }, 'exhausted');
    expect(await repository.claimDue(new Date(), LEASE_MS)).toBeNull();
    expect((await repository.retryNow(tenant, 'manual-hook', record._id)).kind).toBe('retried');
    expect((await repository.claimDue(new Date(), LEASE_MS))?.record._id).toBe(record._id);
    await repository.deleteOfWebhook(tenant, 'manual-hook');
    expect(await heads.countDocuments({ _id: 'manual-hook' })).toBe(0);
  });
});
