import { type AssetEventEnvelope, assetEventEnvelopeSchema } from '@media/asset-model';
import { parseMessage } from '@media/messaging';

/** What storage does about one message on `assets.events.v1`. */
export type AssetEventAction =
  | { kind: 'delete_asset_bytes'; assetId: string; tenant: string }
  | { kind: 'delete_unfinished_uploads'; assetId: string; tenant: string }
  | { kind: 'ignore' };

export type ParsedAssetEvent = { ok: true; envelope: AssetEventEnvelope } | { ok: false; reason: string };

/** Messages are checked against the contract when consumed too: a bad one is reported, never acted on. */
export function parseAssetEvent(value: Buffer | null): ParsedAssetEvent {
  const parsed = parseMessage(assetEventEnvelopeSchema, value);
  return parsed.ok ? { ok: true, envelope: parsed.data } : parsed;
}

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
