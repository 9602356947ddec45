import { type AssetEventEnvelope, assetEventEnvelopeSchema } from '@media/asset-model';

/** What storage does about one message on `assets.events.v1`. */
export type AssetEventAction =
  | { kind: 'delete_asset_bytes'; assetId: string; tenant: string }
  | { kind: 'delete_unfinished_uploads'; assetId: string; tenant: string }
  | { kind: 'ignore' };

export type ParsedAssetEvent = { ok: true; envelope: AssetEventEnvelope } | { ok: false; reason: string };

/** Messages are checked against the contract when consumed too: a bad one is reported, never acted on. */
export function parseAssetEvent(value: Buffer | null): ParsedAssetEvent {
  if (value === null) return { ok: false, reason: 'the message has no value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the value is not JSON' };
  }
  const result = assetEventEnvelopeSchema.safeParse(json);
  if (result.success) return { ok: true, envelope: result.data };
  const first = result.error.issues[0];
  return { ok: false, reason: first ? `${first.path.map(String).join('.') || '(envelope)'}: ${first.message}` : 'invalid envelope' };
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
