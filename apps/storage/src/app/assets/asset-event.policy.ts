import type { AssetEventEnvelope } from '@media/asset-model';

/** What storage does about one message on `assets.events.v1`. */
export type AssetEventAction =
  | { kind: 'delete_asset_bytes'; assetId: string; tenant: string }
  | { kind: 'delete_unfinished_uploads'; assetId: string; tenant: string }
  | { kind: 'ignore' };

/**
 * A deleted asset loses every stored byte; an upload that expired loses its unfinished bytes only
 * (its asset, now failed, may still be read). Everything else is someone else's business.
 */
export function actionFor(envelope: AssetEventEnvelope): AssetEventAction {
  const target = { assetId: envelope.payload.id, tenant: envelope.tenant };
  if (envelope.event === 'asset.deleted') return { kind: 'delete_asset_bytes', ...target };
  if (envelope.event === 'asset.changed' && envelope.payload.status === 'failed' && envelope.payload.error?.code === 'upload_expired') {
    return { kind: 'delete_unfinished_uploads', ...target };
  }
  return { kind: 'ignore' };
}
