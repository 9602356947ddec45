import type { Asset, AssetEventEnvelope } from '@media/asset-model';
import { actionFor, parseAssetEvent } from './asset-event.policy';

const asset: Asset = {
  id: '5b1f6c3e-1111-4222-8333-444455556666',
  created_on: '2026-11-25T10:00:00+00:00',
  changed_on: '2026-11-25T10:00:05+00:00',
  label: 'Video',
  name: 'Launch film',
  body: null,
  author: null,
  reference_id: null,
  tags: [],
  status: 'processing',
  original_name: 'launch.mp4',
  mime_type: 'video/mp4',
  file_size: 10,
  checksum: null,
  width: null,
  height: null,
  duration: null,
  cdn_files: { total: 0, items: [] },
  error: null,
};

function envelope(event: AssetEventEnvelope['event'], payload: Partial<Asset> = {}): AssetEventEnvelope {
  return {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    created_on: '2026-11-25T10:00:05Z',
    event,
    tenant: 'acme',
    performed_by: 'user-1',
    payload: { ...asset, ...payload },
  };
}

const target = { assetId: asset.id, tenant: 'acme' };

describe('actionFor', () => {
  it('deletes every byte of a deleted asset', () => {
    expect(actionFor(envelope('asset.deleted'))).toEqual({ kind: 'delete_asset_bytes', ...target });
  });

  it('deletes the unfinished upload of an asset whose upload expired', () => {
    const expired = envelope('asset.changed', { status: 'failed', error: { code: 'upload_expired', message: 'too late' } });
    expect(actionFor(expired)).toEqual({ kind: 'delete_unfinished_uploads', ...target });
  });

  it.each([
    ['a creation', envelope('asset.created')],
    ['an upload', envelope('asset.uploaded')],
    ['a metadata change', envelope('asset.changed')],
    ['a failure for another reason', envelope('asset.changed', { status: 'failed', error: { code: 'unsupported_media_type', message: 'x' } })],
    ['an upload_expired code on an asset that is not failed', envelope('asset.changed', { status: 'ready', error: { code: 'upload_expired', message: 'x' } })],
  ])('ignores %s', (_, event) => {
    expect(actionFor(event)).toEqual({ kind: 'ignore' });
  });
});

describe('parseAssetEvent', () => {
  it('accepts a valid envelope', () => {
    const value = envelope('asset.deleted');
    expect(parseAssetEvent(Buffer.from(JSON.stringify(value)))).toEqual({ ok: true, envelope: value });
  });

  it.each([
    ['no value', null, 'no value'],
    ['not JSON', Buffer.from('{nope'), 'not JSON'],
    ['JSON that is not an envelope', Buffer.from('[]'), '(envelope)'],
    ['an envelope with a bad field', Buffer.from(JSON.stringify({ ...envelope('asset.deleted'), id: '42' })), 'id:'],
  ])('refuses %s with a reason', (_, value, reason) => {
    const parsed = parseAssetEvent(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
