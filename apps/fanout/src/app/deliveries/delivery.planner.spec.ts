import { randomUUID } from 'node:crypto';
import type { AssetEventEnvelope } from '@media/asset-model';
import { sampleAsset } from '@media/testing';
import { asTenantId } from '../webhooks/webhook.record';
import { wants } from './delivery.planner';

describe('which subscriptions want an event', () => {
  const created = new Date('2026-11-25T10:00:00Z');
  const webhook = { tenant: asTenantId('acme'), status: 'active' as const, events: ['*' as const], created_on: created };
  const event = (changes: Partial<AssetEventEnvelope> = {}): AssetEventEnvelope => ({
    id: randomUUID(),
    created_on: '2026-11-25T10:00:01Z',
    event: 'asset.created',
    tenant: 'acme',
    performed_by: 'jane',
    payload: sampleAsset(),
    ...changes,
  });

  it('an active subscription of the same tenant whose filter matches', () => {
    expect(wants(webhook, event())).toBe(true);
    expect(wants({ ...webhook, events: ['asset.deleted'] }, event())).toBe(false);
    expect(wants({ ...webhook, events: ['asset.deleted'] }, event({ event: 'asset.deleted' }))).toBe(true);
  });

  it('never another tenant, never a disabled subscription', () => {
    expect(wants(webhook, event({ tenant: 'globex' }))).toBe(false);
    expect(wants({ ...webhook, status: 'disabled' }, event())).toBe(false);
  });

  it('not events from before the subscription existed (beyond a little clock skew)', () => {
    expect(wants(webhook, event({ created_on: '2026-11-25T09:59:58Z' }))).toBe(true);
    expect(wants(webhook, event({ created_on: '2026-11-25T09:59:00Z' }))).toBe(false);
  });
});
