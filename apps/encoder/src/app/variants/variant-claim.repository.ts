import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

export const IMAGE_VARIANTS_COLLECTION = 'image_variants';
const DUPLICATE_KEY = 11000;

/** One on-demand image: who renders it (a lease) or that it is stored. `_id` is the variant's storage id. */
export interface VariantClaimRecord {
  _id: string;
  asset_id: string;
  tenant: string;
  source_file_id: string;
  state: 'rendering' | 'stored';
  owner: string | null;
  lease_until: Date;
  created_on: Date;
  stored_on: Date | null;
}

export type ClaimOutcome =
  | { kind: 'claimed'; owner: string }
  | { kind: 'stored' }
  | { kind: 'rendering_elsewhere' }
  | { kind: 'limit_reached'; count: number };

/**
 * Single flight across replicas: the first request inserts the claim document (a unique `_id`), renders
 * and marks it stored; others wait for that. A claim whose lease ran out (its replica died mid-render) is
 * taken over with a compare-and-set on the old owner, so exactly one of the waiters renders it again.
 */
@Injectable()
export class VariantClaimRepository implements OnModuleInit {
  private readonly collection: Collection<VariantClaimRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.collection = connection.collection(IMAGE_VARIANTS_COLLECTION) as unknown as Collection<VariantClaimRecord>;
  }

  async onModuleInit(): Promise<void> {
    // The per-file cap counts the variants of one source.
    await this.collection.createIndex({ source_file_id: 1 });
  }

  /**
   * `likelyNew`: the caller found no stored variant, so the claim most likely does not exist yet: the
   * insert goes first, with the per-file count beside it (one round trip's wait for both, no read before
   * them). A waiter polling for another request's render reads first instead, as an insert would fail on
   * every poll.
   */
  async claim(
    variant: Pick<VariantClaimRecord, '_id' | 'asset_id' | 'tenant' | 'source_file_id'>,
    leaseMs: number,
    maxPerFile: number,
    now = new Date(),
    likelyNew = false,
  ): Promise<ClaimOutcome> {
    const owner = randomUUID();
    const lease = { owner, lease_until: new Date(now.getTime() + leaseMs) };
    const existing = likelyNew ? null : await this.collection.findOne({ _id: variant._id });
    if (existing) return this.claimExisting(existing, lease, now);
    // The others of the source, counted while the insert runs. Newcomers racing for the last place can
    // each miss the other and go a little past the cap (by at most how many race); a lone one never does.
    const others = this.collection.countDocuments({ source_file_id: variant.source_file_id, _id: { $ne: variant._id } });
    others.catch(() => undefined);
    try {
      await this.collection.insertOne({ ...variant, ...lease, state: 'rendering', created_on: now, stored_on: null });
    } catch (error) {
      // By code, not class: mongoose carries its own copy of the driver, whose error class differs.
      if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      const current = await this.collection.findOne({ _id: variant._id });
      // Inserted and gone again between the two (a failed render gave it up): the next poll decides.
      return current ? this.claimExisting(current, lease, now) : { kind: 'rendering_elsewhere' };
    }
    const count = await others.catch(async (error: unknown) => {
      await this.collection.deleteOne({ _id: variant._id, owner });
      throw error;
    });
    if (count >= maxPerFile) {
      await this.collection.deleteOne({ _id: variant._id, owner });
      return { kind: 'limit_reached', count };
    }
    return { kind: 'claimed', owner };
  }

  private async claimExisting(existing: VariantClaimRecord, lease: { owner: string; lease_until: Date }, now: Date): Promise<ClaimOutcome> {
    if (existing.state === 'stored') return { kind: 'stored' };
    if (existing.lease_until > now) return { kind: 'rendering_elsewhere' };
    const taken = await this.collection.updateOne({ _id: existing._id, state: 'rendering', owner: existing.owner }, { $set: lease });
    return taken.modifiedCount === 1 ? { kind: 'claimed', owner: lease.owner } : { kind: 'rendering_elsewhere' };
  }

  /** A variant marked stored whose bytes are gone (the asset's file was replaced) is rendered again by one request. */
  async reclaimStored(variantId: string, leaseMs: number, now = new Date()): Promise<string | null> {
    const owner = randomUUID();
    const taken = await this.collection.updateOne({ _id: variantId, state: 'stored' }, { $set: { state: 'rendering', owner, lease_until: new Date(now.getTime() + leaseMs) } });
    return taken.modifiedCount === 1 ? owner : null;
  }

  /** Only the current owner may record the result: a replica whose lease was taken over records nothing. */
  async markStored(variantId: string, owner: string, now = new Date()): Promise<boolean> {
    const done = await this.collection.updateOne({ _id: variantId, owner }, { $set: { state: 'stored', owner: null, stored_on: now } });
    return done.modifiedCount === 1;
  }

  /** A failed render gives its claim up, so the image does not count against the cap and a later request may retry. */
  async release(variantId: string, owner: string): Promise<void> {
    await this.collection.deleteOne({ _id: variantId, owner, state: 'rendering' });
  }

  /** A deleted asset's claims (its variant bytes go with the asset in storage). Idempotent. */
  async forgetAsset(assetId: string, tenant: string): Promise<number> {
    return (await this.collection.deleteMany({ asset_id: assetId, tenant })).deletedCount;
  }

  async state(variantId: string): Promise<VariantClaimRecord['state'] | null> {
    return (await this.collection.findOne({ _id: variantId }, { projection: { state: 1 } }))?.state ?? null;
  }
}
