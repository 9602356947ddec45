import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';
import type { TenantId, WebhookRecord } from './webhook.record';
import { WEBHOOK_MODEL } from './webhook.schema';

export type WebhookChanges = Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'status' | 'disabled_reason'>>;

/** Subscriptions. Every method takes the tenant: a query that forgets it does not compile. */
@Injectable()
export class WebhookRepository {
  private readonly collection: Collection<WebhookRecord>;

  constructor(@InjectModel(WEBHOOK_MODEL) model: Model<WebhookRecord>) {
    this.collection = model.collection as unknown as Collection<WebhookRecord>;
  }

  async insert(record: WebhookRecord): Promise<void> {
    await this.collection.insertOne(record);
  }

  findOne(tenant: TenantId, id: string): Promise<WebhookRecord | null> {
    return this.collection.findOne({ _id: id, tenant });
  }

  list(tenant: TenantId): Promise<WebhookRecord[]> {
    return this.collection.find({ tenant }).sort({ created_on: 1 }).toArray();
  }

  count(tenant: TenantId): Promise<number> {
    return this.collection.countDocuments({ tenant });
  }

  listActive(tenant: TenantId): Promise<WebhookRecord[]> {
    return this.collection.find({ tenant, status: 'active' }).toArray();
  }

  async update(tenant: TenantId, id: string, changes: WebhookChanges): Promise<WebhookRecord | null> {
    return this.collection.findOneAndUpdate({ _id: id, tenant }, { $set: { ...changes, changed_on: new Date() } }, { returnDocument: 'after' });
  }

  async delete(tenant: TenantId, id: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: id, tenant })).deletedCount === 1;
  }
}
