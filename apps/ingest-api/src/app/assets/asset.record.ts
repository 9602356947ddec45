import type { AssetEventType, AssetLabel, AssetStatus, CdnFileRole } from '@media/asset-model';
import type { UploadSession } from '@media/upload-state-machine';

/**
 * A tenant id that has been taken from a verified token. Repository methods demand it, so a query that
 * forgets the tenant does not compile (tenancy by construction).
 */
export type TenantId = string & { readonly __brand: 'TenantId' };
export const tenantIdOf = (principal: { tenant: string }): TenantId => principal.tenant as TenantId;

/** One stored file of an asset; `id` is the unguessable public id used in its /cdn URL. */
export interface StoredFile {
  id: string;
  storage_file_id: string;
  role: CdnFileRole;
  file: string;
  mime_type: string;
  size: number;
  created_on: Date;
  width?: number;
  height?: number;
}

/** An event committed with the change that caused it, waiting for the relay to publish it. */
export interface PendingEvent {
  id: string;
  event: AssetEventType;
  tenant: TenantId;
  created_on: Date;
  performed_by: string;
  /** The asset as it was right after the change, rendered for the wire. */
  payload: Record<string, unknown>;
  traceparent?: string;
}

export interface OpenUpload extends UploadSession {
  /** The storage id the chunks are written under; becomes the GridFS file id at finish. */
  upload_id: string;
  /** What the client said it is sending; the first chunk is checked against it. */
  declared_label: AssetLabel | null;
  /** A direct upload's allowed kinds: the first chunk must be one of them. */
  allowed_labels?: AssetLabel[];
}

/** The asset as stored by ingest-api: the wire fields plus what the service needs to run it. */
export interface AssetRecord {
  _id: string;
  tenant: TenantId;
  /** Bumped by every committed change: compare-and-set token and ETag. */
  version: number;
  label: AssetLabel;
  name: string;
  body: string | null;
  author: string | null;
  reference_id: string | null;
  tags: string[];
  status: AssetStatus;
  original_name: string | null;
  mime_type: string | null;
  file_size: number | null;
  sha256: string | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  /** Absent on documents written before the field existed: read as null. */
  bitrate?: number | null;
  page_count?: number | null;
  error: { code: string; message: string } | null;
  files: StoredFile[];
  upload: OpenUpload | null;
  created_on: Date;
  changed_on: Date;
  deleted_on: Date | null;
  pending_events: PendingEvent[];
}

/** The fields a change may set (identity, tenant and bookkeeping are the repository's). */
export type AssetChanges = Partial<Omit<AssetRecord, '_id' | 'tenant' | 'version' | 'created_on' | 'changed_on' | 'pending_events'>>;
