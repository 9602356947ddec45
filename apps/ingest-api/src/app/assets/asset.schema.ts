import { Schema } from 'mongoose';
import type { AssetRecord } from './asset.record';

export const ASSET_MODEL = 'Asset';

/**
 * Mongoose is used for the connection, indexes and typed queries; documents are read lean and written
 * with explicit operators, so what is stored is exactly `AssetRecord`.
 */
export const assetSchema = new Schema<AssetRecord>(
  {
    _id: { type: String, required: true },
    tenant: { type: String, required: true },
    version: { type: Number, required: true },
    label: String,
    name: String,
    body: String,
    author: String,
    reference_id: String,
    tags: [String],
    status: String,
    original_name: String,
    mime_type: String,
    file_size: Number,
    sha256: String,
    width: Number,
    height: Number,
    duration: Number,
    bitrate: Number,
    page_count: Number,
    error: Schema.Types.Mixed,
    files: [Schema.Types.Mixed],
    upload: Schema.Types.Mixed,
    created_on: Date,
    changed_on: Date,
    deleted_on: Date,
    pending_events: [Schema.Types.Mixed],
  },
  { collection: 'assets', versionKey: false, strict: true, minimize: false },
);

// Listing is always per tenant, newest first by default.
assetSchema.index({ tenant: 1, deleted_on: 1, created_on: -1 });
assetSchema.index({ tenant: 1, deleted_on: 1, changed_on: -1 });
assetSchema.index({ tenant: 1, reference_id: 1 });
// /cdn resolves a public file id through `served_files`; this serves assets written before it, until their backfill.
assetSchema.index({ 'files.id': 1 });
// The relay finds documents with unpublished events.
assetSchema.index({ 'pending_events.id': 1 }, { sparse: true });
// The expiry sweeper finds open uploads past their TTL.
assetSchema.index({ status: 1, 'upload.expiresAt': 1 });
