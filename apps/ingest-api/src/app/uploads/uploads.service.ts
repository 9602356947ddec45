import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectId } from 'mongodb';
import type { AssetEventType, AssetLabel } from '@media/asset-model';
import type { Principal } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import {
  applyUploadCommand,
  chunkAllowance,
  offsetsOf,
  overflowRefusal,
  startUpload,
  type Transition,
  type UploadCommand,
  type UploadOffsets,
} from '@media/upload-state-machine';
import { assetNotFound, checksumMismatch, invalidPhase, missingField, tooMuchContention } from '../assets/asset-errors';
import {
  type AssetMetadata,
  assetMetadataSchema,
  chunkChecksumSchema,
  cleanFileName,
  fileSha256Schema,
  offsetSchema,
  type StartUploadInput,
  startUploadSchema,
} from '../assets/asset-input';
import { presentAsset } from '../assets/asset.presenter';
import type { AssetRecord, OpenUpload, StoredFile, TenantId } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { AssetRepository, type EventContext } from '../assets/asset.repository';
import { parseOr400 } from '../http/request-parsing';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { UploadMetrics } from './upload.metrics';
import { type MediaKind, SNIFF_BYTES, sniffMediaKind } from '../media/media-kind';
import { StorageClient, StorageRefusal } from '@media/internal-api';
import { type FormFields, readMultipart } from './multipart-reader';
import { peekHead } from './peek-head';
import { refusalError } from './refusal.error';

const CAS_ATTEMPTS = 8;

export interface StoredOriginal {
  file: StoredFile;
  kind: MediaKind;
  name: string;
  sha256: string;
}

/** Who did it and under which trace: travels into the events a change emits. */
export interface Actor {
  principal: Principal;
  traceparent?: string;
}

/** The upload use cases: one-request uploads, the three phases of a resumable upload, file replacement. */
@Injectable()
export class UploadsService {
  constructor(
    private readonly assets: AssetRepository,
    private readonly storage: StorageClient,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
    private readonly metrics: UploadMetrics,
  ) {}

  /** `POST /assets` with a multipart `source`: bytes to storage first, then the asset, created and uploaded. */
  async createFromUpload(actor: Actor, request: IncomingMessage): Promise<AssetRecord> {
    const tenant = tenantIdOf(actor.principal);
    const assetId = randomUUID();
    let original: StoredOriginal | undefined;
    const { fields } = await readMultipart(request, {
      fileFields: ['source'],
      onFile: async (part) => {
        if (part.fieldsBefore['upload_phase'] !== undefined) throw invalidPhase(part.fieldsBefore['upload_phase'], ['(none) with a source file']);
        original = await this.storeOriginal(tenant, assetId, part.stream, cleanFileName(part.filename) ?? 'upload');
      },
    });
    if (fields['upload_phase'] !== undefined) {
      if (original) throw invalidPhase(fields['upload_phase'], ['(none) with a source file']);
      return this.startUpload(actor, fields);
    }
    if (!original) throw missingField('source', 'a multipart field "source" with the file is required');
    const metadata = parseOr400(assetMetadataSchema, fields);
    const now = new Date();
    return this.assets.insert(
      {
        ...emptyAsset(assetId, tenant, now),
        ...metadataChanges(metadata),
        name: metadata.name ?? original.name,
        label: original.kind.label,
        mime_type: original.kind.mimeType,
        original_name: original.name,
        status: 'processing',
        file_size: original.file.size,
        sha256: original.sha256,
        files: [original.file],
      },
      ['asset.created', 'asset.uploaded'],
      this.eventContext(actor),
    );
  }

  /** `upload_phase=start`: an asset in `uploading` with its offsets. */
  async startUpload(actor: Actor, body: unknown): Promise<AssetRecord> {
    const input: StartUploadInput = parseOr400(startUploadSchema, body);
    const now = new Date();
    const opened = startUpload({
      fileSize: input.file_size,
      chunkSize: this.config.UPLOAD_CHUNK_SIZE,
      maxChunkSize: this.config.UPLOAD_MAX_CHUNK_SIZE,
      maxFileSize: this.config.UPLOAD_MAX_FILE_SIZE,
      ttlMs: this.config.UPLOAD_TTL_SECONDS * 1000,
      now: now.getTime(),
    });
    if (!opened.ok) throw refusalError(opened.refusal);
    const tenant = tenantIdOf(actor.principal);
    const id = randomUUID();
    const originalName = cleanFileName(input.original_name) ?? null;
    return this.assets.insert(
      {
        ...emptyAsset(id, tenant, now),
        ...metadataChanges(input),
        name: input.name ?? originalName ?? 'Untitled',
        label: input.label ?? 'File',
        original_name: originalName,
        file_size: input.file_size,
        // Storage names stored files by ObjectId: the upload's chunks become the GridFS file of this id.
        upload: { ...opened.session, upload_id: new ObjectId().toHexString(), declared_label: input.label ?? null },
      },
      opened.events,
      this.eventContext(actor),
    );
  }

  /** `GET /assets/{id}/multipart`: where to resume. */
  async progress(principal: Principal, id: string): Promise<UploadOffsets & { id: string }> {
    const record = await this.require(tenantIdOf(principal), id);
    const upload = record.upload;
    if (!upload) throw refusalError({ code: 'upload_not_open', status: 409, detail: 'this asset was not uploaded in chunks' });
    if (upload.expired || (record.status === 'uploading' && Date.now() >= upload.expiresAt)) {
      throw refusalError({ code: 'upload_expired', status: 410, detail: 'the upload expired; start a new one' });
    }
    return { id, ...offsetsOf(upload) };
  }

  /** `POST /assets/{id}/multipart`: a multipart transfer, or a finish as JSON, form or multipart. */
  async multipart(actor: Actor, id: string, request: IncomingMessage, jsonBody: unknown): Promise<{ kind: 'transfer'; offsets: UploadOffsets & { id: string } } | { kind: 'finish'; record: AssetRecord }> {
    if (jsonBody !== undefined) {
      const fields = (typeof jsonBody === 'object' && jsonBody !== null ? jsonBody : {}) as Record<string, unknown>;
      if (fields['upload_phase'] !== 'finish') throw invalidPhase(stringOrUndefined(fields['upload_phase']), ['finish (or transfer as multipart/form-data)']);
      return { kind: 'finish', record: await this.finish(actor, id, fields['sha256']) };
    }
    // Counted as chunk transfers: a multipart request here is one, unless it is a finish sent as a form.
    try {
      const outcome = await this.multipartForm(actor, id, request);
      if (outcome.kind === 'transfer') this.metrics.chunkCommitted(outcome.bytes);
      return outcome;
    } catch (error) {
      this.metrics.chunkRejected(error);
      throw error;
    }
  }

  /** A multipart request to an open upload: a chunk transfer, or a finish sent as a form. */
  private async multipartForm(actor: Actor, id: string, request: IncomingMessage): Promise<{ kind: 'transfer'; bytes: number; offsets: UploadOffsets & { id: string } } | { kind: 'finish'; record: AssetRecord }> {
    const tenant = tenantIdOf(actor.principal);
    let transfer: { transferId: string; offset: number; bytes: number; chunkSha256: string; kind?: MediaKind } | undefined;
    let fields: FormFields;
    try {
      ({ fields } = await readMultipart(request, {
        fileFields: ['file_chunk'],
        onFile: async (part) => {
          const phase = part.fieldsBefore['upload_phase'];
          if (phase !== undefined && phase !== 'transfer') throw invalidPhase(phase, ['transfer']);
          const startOffset = part.fieldsBefore['start_offset'] === undefined ? undefined : parseOr400(offsetSchema, part.fieldsBefore['start_offset']);
          transfer = await this.transferChunk(tenant, id, part.stream, startOffset);
        },
      }));
    } catch (error) {
      if (transfer) await this.abortTransfer(tenant, id, transfer.transferId);
      throw error;
    }
    if (!transfer) {
      if (fields['upload_phase'] === 'finish') return { kind: 'finish', record: await this.finish(actor, id, fields['sha256']) };
      if (fields['upload_phase'] === 'transfer') throw missingField('file_chunk', 'a transfer carries its bytes in the multipart field "file_chunk"');
      throw invalidPhase(fields['upload_phase'], ['transfer', 'finish']);
    }
    const started = transfer;
    try {
      // Fields may follow the file part; they are checked now, and a failed check keeps no byte.
      if (fields['upload_phase'] !== 'transfer') throw invalidPhase(fields['upload_phase'], ['transfer']);
      if (fields['start_offset'] !== undefined && parseOr400(offsetSchema, fields['start_offset']) !== started.offset) {
        const record = await this.require(tenant, id);
        throw refusalError({
          code: 'offset_mismatch',
          status: 409,
          detail: `start_offset must be ${started.offset}`,
          offsets: record.upload ? offsetsOf(record.upload) : undefined,
          providedOffset: parseOr400(offsetSchema, fields['start_offset']),
        });
      }
      if (fields['checksum'] !== undefined) {
        const expected = parseOr400(chunkChecksumSchema, fields['checksum']).slice('sha256:'.length);
        if (expected !== started.chunkSha256) throw checksumMismatch('the chunk does not match its checksum; it was not kept');
      }
      const originalName = cleanFileName(fields['original_name']);
      const record = await this.commitTransfer(actor, id, started, originalName);
      return { kind: 'transfer', bytes: started.bytes, offsets: { id, ...offsetsOf(record.upload as OpenUpload) } };
    } catch (error) {
      await this.abortTransfer(tenant, id, started.transferId);
      throw error;
    }
  }

  /** Takes the upload's lease, streams the chunk to storage (renewing the lease while bytes flow). */
  private async transferChunk(tenant: TenantId, id: string, source: Readable, startOffset: number | undefined) {
    const transferId = randomUUID();
    const leaseMs = this.config.UPLOAD_LEASE_SECONDS * 1000;
    const record = await this.transition(tenant, id, () => ({ kind: 'begin_transfer', transferId, startOffset, now: Date.now(), leaseMs }));
    const upload = record.upload as OpenUpload;
    const offset = upload.received;
    const renewal = setInterval(() => {
      void this.assets.renewTransferLease(tenant, id, transferId, Date.now() + leaseMs).catch(() => undefined);
    }, Math.max(1000, leaseMs / 3));
    try {
      let kind: MediaKind | undefined;
      let body: Readable = source;
      if (offset === 0) {
        // The first chunk decides what the file is; a declared Video that is not one is refused now.
        const peeked = await peekHead(source, SNIFF_BYTES);
        kind = await sniffMediaKind(peeked.head);
        assertDeclaredLabel(upload.declared_label, kind);
        body = peeked.stream;
      }
      const allowance = chunkAllowance(upload);
      const chunk = await this.storage
        .putChunk(upload.upload_id, body, { assetId: id, tenant, offset, maxBytes: allowance.maxBytes })
        .catch((error: unknown) => {
          if (error instanceof StorageRefusal && error.code === 'chunk_too_large') throw refusalError(overflowRefusal(upload));
          throw error;
        });
      return { transferId, offset, bytes: chunk.bytes, chunkSha256: chunk.chunk_sha256, kind };
    } catch (error) {
      await this.abortTransfer(tenant, id, transferId);
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }

  private async commitTransfer(actor: Actor, id: string, transfer: { transferId: string; bytes: number; kind?: MediaKind }, originalName: string | undefined): Promise<AssetRecord> {
    const tenant = tenantIdOf(actor.principal);
    return this.transition(
      tenant,
      id,
      () => ({ kind: 'commit_transfer', transferId: transfer.transferId, bytes: transfer.bytes, now: Date.now() }),
      (record) => ({
        ...(transfer.kind ? { label: transfer.kind.label, mime_type: transfer.kind.mimeType } : {}),
        ...(originalName && !record.original_name ? { original_name: originalName } : {}),
      }),
    );
  }

  private async abortTransfer(tenant: TenantId, id: string, transferId: string): Promise<void> {
    // Best effort: if this fails the lease simply runs out.
    await this.transition(tenant, id, () => ({ kind: 'abort_transfer', transferId })).catch(() => undefined);
  }

  /** Finish: storage turns the chunks into one GridFS file (no copy), then the asset moves to processing. */
  async finish(actor: Actor, id: string, sha256Input: unknown): Promise<AssetRecord> {
    const sha256 = sha256Input === undefined || sha256Input === '' ? undefined : parseOr400(fileSha256Schema, sha256Input);
    const tenant = tenantIdOf(actor.principal);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const record = await this.require(tenant, id);
      if (!record.upload) throw refusalError({ code: 'upload_not_open', status: 409, detail: 'this asset was not uploaded in chunks' });
      const outcome = applyUploadCommand(record.upload, { kind: 'finish', now: Date.now() });
      if (!outcome.ok) throw refusalError(outcome.refusal);
      if (outcome.replay) return record;
      const name = record.original_name ?? record.name;
      const mimeType = record.mime_type ?? 'application/octet-stream';
      const stored = await this.storage.completeUpload(record.upload.upload_id, {
        length: record.upload.fileSize,
        file_name: name,
        content_type: mimeType,
        role: 'original',
        asset_id: id,
        tenant,
      });
      if (sha256 && sha256 !== stored.sha256) {
        throw checksumMismatch(`the uploaded bytes have sha256 ${stored.sha256}, not ${sha256}`);
      }
      const file: StoredFile = { id: randomUUID(), storage_file_id: stored.file_id, role: 'original', file: name, mime_type: mimeType, size: stored.length, created_on: new Date() };
      const next = await this.assets.compareAndSet(
        record,
        { upload: { ...record.upload, ...outcome.session }, status: 'processing', file_size: stored.length, sha256: stored.sha256, files: [file] },
        outcome.events,
        this.eventContext(actor),
      );
      if (next) return next;
    }
    throw tooMuchContention();
  }

  /** Streams a file to storage as an asset's original, after judging its first bytes. */
  async storeOriginal(tenant: TenantId, assetId: string, source: Readable, name: string): Promise<StoredOriginal> {
    const peeked = await peekHead(source, SNIFF_BYTES);
    const kind = await sniffMediaKind(peeked.head);
    const stored = await this.storage
      .uploadFile(peeked.stream, { assetId, tenant, fileName: name, contentType: kind.mimeType, role: 'original', maxBytes: this.config.UPLOAD_MAX_FILE_SIZE })
      .catch((error: unknown) => {
        if (error instanceof StorageRefusal && error.code === 'file_too_large') {
          throw new DomainError(413, 'file_too_large', 'File too large', `a file may have at most ${this.config.UPLOAD_MAX_FILE_SIZE} bytes`);
        }
        throw error;
      });
    if (stored.length === 0) {
      await this.storage.deleteFile(stored.file_id, tenant).catch(() => undefined);
      throw new DomainError(400, 'empty_file', 'Empty file', 'the source file has no bytes');
    }
    this.metrics.fileStored(stored.length);
    return {
      file: { id: randomUUID(), storage_file_id: stored.file_id, role: 'original', file: name, mime_type: kind.mimeType, size: stored.length, created_on: new Date() },
      kind,
      name,
      sha256: stored.sha256,
    };
  }

  eventContext(actor: Actor): EventContext {
    return {
      performedBy: actor.principal.subject,
      traceparent: actor.traceparent,
      render: (record) => presentAsset(record, this.config.PUBLIC_BASE_URL) as unknown as Record<string, unknown>,
    };
  }

  /**
   * Reads the asset, runs one state-machine command on its upload and writes the result with
   * compare-and-set, re-reading on a lost race: the decision is always made on the latest state.
   */
  async transition(
    tenant: TenantId,
    id: string,
    command: () => UploadCommand,
    extra: (record: AssetRecord) => Partial<AssetRecord> = () => ({}),
  ): Promise<AssetRecord> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const record = await this.require(tenant, id);
      if (!record.upload) throw refusalError({ code: 'upload_not_open', status: 409, detail: 'this asset was not uploaded in chunks' });
      const outcome: Transition = applyUploadCommand(record.upload, command());
      if (!outcome.ok) throw refusalError(outcome.refusal);
      if (outcome.replay) return record;
      const events: AssetEventType[] = outcome.events;
      const next = await this.assets.compareAndSet(
        record,
        { upload: { ...record.upload, ...outcome.session }, status: outcome.session.status, ...extra(record) },
        events,
        { performedBy: 'system', render: (r) => presentAsset(r, this.config.PUBLIC_BASE_URL) as unknown as Record<string, unknown> },
      );
      if (next) return next;
    }
    throw tooMuchContention();
  }

  private async require(tenant: TenantId, id: string): Promise<AssetRecord> {
    const record = await this.assets.findOne(tenant, id);
    if (!record) throw assetNotFound(id);
    return record;
  }
}

function assertDeclaredLabel(declared: AssetLabel | null, kind: MediaKind): void {
  if (declared && declared !== 'File' && declared !== kind.label) {
    throw new DomainError(415, 'unsupported_media_type', 'Unsupported media type', `the upload was declared a ${declared}, but its bytes are ${kind.mimeType}`, {
      declared_label: declared,
      detected_mime_type: kind.mimeType,
    });
  }
}

function emptyAsset(id: string, tenant: TenantId, now: Date): Omit<AssetRecord, 'pending_events' | 'version'> {
  return {
    _id: id,
    tenant,
    label: 'File',
    name: 'Untitled',
    body: null,
    author: null,
    reference_id: null,
    tags: [],
    status: 'uploading',
    original_name: null,
    mime_type: null,
    file_size: null,
    sha256: null,
    width: null,
    height: null,
    duration: null,
    error: null,
    files: [],
    upload: null,
    created_on: now,
    changed_on: now,
    deleted_on: null,
  };
}

/** The metadata fields a client set, leaving out the ones it did not send. */
export function metadataChanges(metadata: AssetMetadata): Partial<AssetRecord> {
  return Object.fromEntries(
    (['name', 'body', 'author', 'reference_id', 'tags'] as const).filter((key) => metadata[key] !== undefined).map((key) => [key, metadata[key]]),
  ) as Partial<AssetRecord>;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : value === undefined ? undefined : String(value);
}
