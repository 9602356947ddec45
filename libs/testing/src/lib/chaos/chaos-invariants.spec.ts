import type { AssetHistory, HistoryEntry, Observation, ObservedAsset, ObservedEvent, Operation } from './chaos-history';
import { checkInvariants, expectationOf } from './chaos-invariants';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const bounds = { uploadingSeconds: 60, processingSeconds: 60 };
const NOW = '2026-01-01T00:10:00.000Z';

let clock = 0;
const entry = (op: Operation, outcome: HistoryEntry['outcome'] = 'ack'): HistoryEntry => ({
  at: new Date(Date.parse('2026-01-01T00:00:00.000Z') + 1000 * clock++).toISOString(),
  client: 0,
  op,
  outcome,
  status: outcome === 'ack' ? 200 : outcome === 'refused' ? 412 : 'ECONNRESET',
});
const history = (id: string, entries: HistoryEntry[]): AssetHistory => ({ id, tenant: 't1', entries });

let eventCounter = 0;
const event = (assetId: string, type: string, name: string | null = null, id = `e${eventCounter++}`): ObservedEvent => ({
  id,
  event: type,
  assetId,
  tenant: 't1',
  value: JSON.stringify({ id, type, assetId, name }),
  name,
  sha256: null,
});
const asset = (id: string, changes: Partial<ObservedAsset> = {}): ObservedAsset => ({
  id,
  tenant: 't1',
  found: true,
  status: 'ready',
  name: 'one',
  cdnSha256: SHA_A,
  createdOn: '2026-01-01T00:00:00.000Z',
  storedFiles: 1,
  ...changes,
});

/** A run where everything held: one asset uploaded and renamed, one uploaded and deleted, all delivered. */
function healthy(): { histories: AssetHistory[]; observation: Observation } {
  const histories = [
    history('x', [entry({ kind: 'create', name: 'one', sha256: SHA_A, size: 3 }), entry({ kind: 'rename', name: 'two' }), entry({ kind: 'rename', name: 'three' }, 'refused')]),
    history('y', [entry({ kind: 'create', name: 'y', sha256: SHA_B, size: 3 }), entry({ kind: 'delete' })]),
  ];
  const events = [
    event('x', 'asset.created'),
    event('x', 'asset.uploaded'),
    event('x', 'asset.changed', 'one'),
    event('x', 'asset.changed', 'two'),
    event('y', 'asset.created'),
    event('y', 'asset.uploaded'),
    event('y', 'asset.deleted'),
  ];
  const webhooks = events.map((e) => ({ webhookId: e.id, tenant: 't1', eventId: e.id, signatureValid: true }));
  return {
    histories,
    observation: {
      assets: [asset('x', { name: 'two' }), asset('y', { found: false, status: null, name: null, cdnSha256: null, storedFiles: 0 })],
      events,
      webhooks,
      subscriptions: [{ tenant: 't1', events: ['asset.created', 'asset.uploaded', 'asset.changed', 'asset.deleted'] }],
      orphans: { files: 0, chunks: 0, parts: 0 },
      now: NOW,
    },
  };
}

describe('the chaos invariant checker', () => {
  it('finds nothing in a run where every acknowledged write holds', () => {
    const { histories, observation } = healthy();
    expect(checkInvariants(histories, observation, bounds)).toEqual([]);
  });

  it('accepts redelivered events with the same id and content', () => {
    const { histories, observation } = healthy();
    const again = observation.events[2] as ObservedEvent;
    expect(checkInvariants(histories, { ...observation, events: [...observation.events, { ...again }] }, bounds)).toEqual([]);
  });

  it('finds a valid event parked on the dead-letter topic (planted)', () => {
    const { histories, observation } = healthy();
    const violations = checkInvariants(histories, { ...observation, deadLettered: [{ value: '{"id":"e1"}', reason: 'not handled after 5 attempts' }] }, bounds);
    expect(violations).toEqual([expect.objectContaining({ invariant: 'dead-lettered', message: expect.stringContaining('not handled after 5 attempts') })]);
  });

  it('finds a lost acknowledged rename (planted)', () => {
    const { histories, observation } = healthy();
    const violations = checkInvariants(histories, { ...observation, assets: [asset('x', { name: 'one' }), ...observation.assets.slice(1)] }, bounds);
    expect(violations).toEqual([expect.objectContaining({ invariant: 'acknowledged-state', assetId: 'x' })]);
  });

  it('finds bytes that do not read back identical (planted)', () => {
    const { histories, observation } = healthy();
    const violations = checkInvariants(histories, { ...observation, assets: [asset('x', { name: 'two', cdnSha256: SHA_B }), ...observation.assets.slice(1)] }, bounds);
    expect(violations).toEqual([expect.objectContaining({ invariant: 'bytes', assetId: 'x' })]);
  });

  it('finds a deleted asset whose bytes remain, and one that is still served', () => {
    const { histories, observation } = healthy();
    const leftBytes = checkInvariants(histories, { ...observation, assets: [observation.assets[0] as ObservedAsset, asset('y', { found: false, storedFiles: 2 })] }, bounds);
    expect(leftBytes).toEqual([expect.objectContaining({ invariant: 'deleted', assetId: 'y' })]);
    const served = checkInvariants(histories, { ...observation, assets: [observation.assets[0] as ObservedAsset, asset('y', { storedFiles: 0 })] }, bounds);
    expect(served).toEqual([expect.objectContaining({ invariant: 'deleted', assetId: 'y' })]);
  });

  it('finds a missing event, events out of order, and an id reused for other content', () => {
    const { histories, observation } = healthy();
    const missing = checkInvariants(histories, { ...observation, events: observation.events.filter((e) => e.name !== 'two'), webhooks: observation.webhooks }, bounds);
    expect(missing).toEqual([expect.objectContaining({ invariant: 'events', assetId: 'x' })]);

    const [c, u, ch1, ch2, ...rest] = observation.events as [ObservedEvent, ObservedEvent, ObservedEvent, ObservedEvent, ...ObservedEvent[]];
    const swapped = checkInvariants(histories, { ...observation, events: [ch2, c, u, ch1, ...rest] }, bounds);
    expect(swapped).toEqual([expect.objectContaining({ invariant: 'event-order', assetId: 'x' })]);

    const reused = checkInvariants(histories, { ...observation, events: [...observation.events, { ...ch1, value: '{"other":true}' }] }, bounds);
    expect(reused).toEqual([expect.objectContaining({ invariant: 'event-identity' })]);
  });

  it('finds a webhook never delivered and one with a bad signature', () => {
    const { histories, observation } = healthy();
    const [first, ...others] = observation.webhooks;
    const violations = checkInvariants(histories, { ...observation, webhooks: [...others, { ...(first as (typeof others)[number]), signatureValid: false }] }, bounds);
    expect(violations.map((x) => x.invariant)).toEqual(['webhooks', 'webhooks']);
  });

  it('finds an asset stuck uploading past its TTL or processing past the job bound, and orphaned bytes', () => {
    const { histories, observation } = healthy();
    const uploading = checkInvariants(histories, { ...observation, assets: [asset('x', { name: 'two', status: 'uploading' }), ...observation.assets.slice(1)] }, bounds);
    expect(uploading).toEqual([expect.objectContaining({ invariant: 'stuck', assetId: 'x' })]);
    const processing = checkInvariants(histories, { ...observation, assets: [asset('x', { name: 'two', status: 'processing' }), ...observation.assets.slice(1)] }, bounds);
    expect(processing).toEqual([expect.objectContaining({ invariant: 'stuck', assetId: 'x' })]);
    const fresh = checkInvariants(histories, { ...observation, now: '2026-01-01T00:00:30.000Z', assets: [asset('x', { name: 'two', status: 'processing' }), ...observation.assets.slice(1)] }, bounds);
    expect(fresh).toEqual([]);
    const orphans = checkInvariants(histories, { ...observation, orphans: { files: 1, chunks: 0, parts: 0 } }, bounds);
    expect(orphans).toEqual([expect.objectContaining({ invariant: 'orphans' })]);
  });

  it('lets an unanswered write either have happened or not, but not anything else', () => {
    const h = history('z', [
      entry({ kind: 'start', name: 'z', size: 10 }),
      entry({ kind: 'transfer', offset: 0, bytes: 10, cutAt: 4 }, 'unknown'),
      entry({ kind: 'finish', sha256: SHA_A }, 'unknown'),
      entry({ kind: 'rename', name: 'z2' }, 'unknown'),
      entry({ kind: 'delete' }, 'unknown'),
    ]);
    const expectation = expectationOf(h);
    expect(expectation).toMatchObject({ existence: 'maybe-gone', contentRequired: false });
    expect([...expectation.names]).toEqual(['z', 'z2']);
    const events = [event('z', 'asset.created')];
    const base = { ...healthy().observation, events, webhooks: events.map((e) => ({ webhookId: e.id, tenant: 't1', eventId: e.id, signatureValid: true })) };
    for (const seen of [asset('z', { name: 'z', cdnSha256: null }), asset('z', { name: 'z2' }), asset('z', { found: false, storedFiles: 0 })]) {
      expect(checkInvariants([h], { ...base, assets: [seen] }, bounds)).toEqual([]);
    }
    expect(checkInvariants([h], { ...base, assets: [asset('z', { name: 'zz' })] }, bounds)).toEqual([expect.objectContaining({ invariant: 'acknowledged-state' })]);
  });
});
