import type { Asset, AssetEventEnvelope } from '@media/asset-model';
import { sampleAsset, sampleEnvelope } from '@media/testing';
import { actionFor } from './asset-event.policy';

const asset = sampleAsset();

function envelope(event: AssetEventEnvelope['event'], payload: Partial<Asset> = {}): AssetEventEnvelope {
  return sampleEnvelope(event, { ...asset, ...payload });
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
