import { randomUUID } from 'node:crypto';
import { integrationEnv } from '@media/testing';
import { type Connection, createConnection } from 'mongoose';
import { VariantClaimRepository } from './variant-claim.repository';

const LEASE_MS = 60_000;

/** Single flight of on-demand renders on the real MongoDB-wire server: one claimant, waiters, takeover, the cap. */
describe('image variant claims in MongoDB', () => {
  let connection: Connection;
  let claims: VariantClaimRepository;

  beforeAll(async () => {
    connection = await createConnection(integrationEnv('variant-claims')['MONGODB_URI'] as string).asPromise();
    claims = new VariantClaimRepository(connection);
    await claims.onModuleInit();
  });

  afterAll(async () => {
    await connection?.close();
  });

  const variant = (source = `src-${randomUUID()}`) => ({ _id: `var-${randomUUID()}`, asset_id: 'asset-1', tenant: 'acme', source_file_id: source });

  it.each([
    ['reading first', false],
    ['inserting first', true],
  ])('lets exactly one of many concurrent requests claim a variant; the others wait (%s)', async (_, likelyNew) => {
    const target = variant();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => claims.claim(target, LEASE_MS, 100, new Date(), likelyNew)));
    expect(outcomes.filter((outcome) => outcome.kind === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'rendering_elsewhere')).toHaveLength(19);
  });

  it('answers stored once the owner marked it, and only the owner can', async () => {
    const target = variant();
    const first = await claims.claim(target, LEASE_MS, 100);
    if (first.kind !== 'claimed') throw new Error('not claimed');
    expect(await claims.markStored(target._id, 'someone-else')).toBe(false);
    expect(await claims.claim(target, LEASE_MS, 100)).toEqual({ kind: 'rendering_elsewhere' });
    expect(await claims.markStored(target._id, first.owner)).toBe(true);
    expect(await claims.claim(target, LEASE_MS, 100)).toEqual({ kind: 'stored' });
    expect(await claims.state(target._id)).toBe('stored');
  });

  it('hands an expired claim to exactly one waiter, and the old owner can no longer record it', async () => {
    const target = variant();
    const now = new Date();
    const first = await claims.claim(target, 1_000, 100, now);
    if (first.kind !== 'claimed') throw new Error('not claimed');
    const later = new Date(now.getTime() + 5_000);
    const takeovers = await Promise.all(Array.from({ length: 10 }, () => claims.claim(target, LEASE_MS, 100, later)));
    const winners = takeovers.filter((outcome) => outcome.kind === 'claimed');
    expect(winners).toHaveLength(1);
    expect(await claims.markStored(target._id, first.owner)).toBe(false);
    expect(await claims.markStored(target._id, (winners[0] as { owner: string }).owner)).toBe(true);
  });

  it('re-renders a stored variant whose bytes went missing through one reclaimer', async () => {
    const target = variant();
    const first = await claims.claim(target, LEASE_MS, 100);
    if (first.kind !== 'claimed') throw new Error('not claimed');
    await claims.markStored(target._id, first.owner);
    const owners = await Promise.all(Array.from({ length: 5 }, () => claims.reclaimStored(target._id, LEASE_MS)));
    expect(owners.filter(Boolean)).toHaveLength(1);
  });

  it("forgets a deleted asset's claims, of that tenant only", async () => {
    const assetId = `asset-${randomUUID()}`;
    for (const tenant of ['acme', 'acme', 'other']) {
      await claims.claim({ _id: `var-${randomUUID()}`, asset_id: assetId, tenant, source_file_id: `src-${randomUUID()}` }, LEASE_MS, 100);
    }
    expect(await claims.forgetAsset(assetId, 'acme')).toBe(2);
    expect(await claims.forgetAsset(assetId, 'acme')).toBe(0);
    expect(await connection.collection('image_variants').countDocuments({ asset_id: assetId })).toBe(1);
  });

  it.each([
    ['reading first', false],
    ['inserting first', true],
  ])('refuses a new variant once the source has the most allowed, and a released claim frees its place (%s)', async (_, likelyNew) => {
    const source = `src-${randomUUID()}`;
    const owners: string[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await claims.claim(variant(source), LEASE_MS, 3, new Date(), likelyNew);
      if (outcome.kind !== 'claimed') throw new Error(`claim ${i}: ${outcome.kind}`);
      owners.push(outcome.owner);
    }
    const refused = variant(source);
    expect(await claims.claim(refused, LEASE_MS, 3, new Date(), likelyNew)).toEqual({ kind: 'limit_reached', count: 3 });
    // A refused newcomer leaves nothing behind to count against the cap.
    expect(await connection.collection('image_variants').countDocuments({ source_file_id: source })).toBe(3);
    // Concurrent newcomers at a full source are all refused.
    await Promise.all(Array.from({ length: 5 }, () => claims.claim(variant(source), LEASE_MS, 3, new Date(), likelyNew)));
    expect(await connection.collection('image_variants').countDocuments({ source_file_id: source })).toBe(3);
    // Other sources are not affected.
    expect((await claims.claim(variant(), LEASE_MS, 3, new Date(), likelyNew)).kind).toBe('claimed');
    const released = (await connection.collection('image_variants').findOne({ source_file_id: source, owner: owners[0] })) as { _id: string } | null;
    await claims.release(released?._id ?? '', owners[0] ?? '');
    expect((await claims.claim(refused, LEASE_MS, 3, new Date(), likelyNew)).kind).toBe('claimed');
  });
});
