import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { UploadOffsets } from '@media/upload-state-machine';
import { invalidPhase, missingField } from '../assets/asset-errors';
import { assetMetadataSchema, chunkChecksumSchema, cleanFileName, fileSha256Schema, offsetSchema, startUploadSchema } from '../assets/asset-input';
import type { AssetRecord } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { parseOr400 } from '../http/request-parsing';
import { FinishUploadUseCase } from './finish-upload.use-case';
import { type FormFields, readMultipart } from './multipart-reader';
import { OneRequestUploadUseCase } from './one-request-upload.use-case';
import { OriginalStore, type StoredOriginal } from './original-store';
import { StartUploadUseCase } from './start-upload.use-case';
import { StoredUntilRefused } from './stored-until-refused';
import { type ChunkClaims, type StoredChunk, TransferChunkUseCase } from './transfer-chunk.use-case';
import { UploadMetrics } from './upload.metrics';
import type { Actor } from './upload-transitions';

export type MultipartOutcome = { kind: 'transfer'; offsets: UploadOffsets & { id: string } } | { kind: 'finish'; record: AssetRecord };

/**
 * The upload forms at the edge: parses JSON, forms and streamed multipart bodies into the typed input of
 * the upload use cases. A file part is streamed on as it arrives (to storage, through a use case), before
 * the fields after it are known; what it stored is given back when those fields get the request refused.
 */
@Injectable()
export class UploadFormsHandler {
  constructor(
    private readonly originals: OriginalStore,
    private readonly oneRequest: OneRequestUploadUseCase,
    private readonly starts: StartUploadUseCase,
    private readonly transfers: TransferChunkUseCase,
    private readonly finishes: FinishUploadUseCase,
    private readonly metrics: UploadMetrics,
  ) {}

  /** `POST /assets` as JSON or a form: `upload_phase=start`. */
  start(actor: Actor, body: unknown): Promise<AssetRecord> {
    return this.starts.execute(actor, parseOr400(startUploadSchema, body));
  }

  /** `POST /assets` as multipart: a one-request upload of `source`, or a start sent as multipart. */
  async create(actor: Actor, request: IncomingMessage): Promise<AssetRecord> {
    const tenant = tenantIdOf(actor.principal);
    const assetId = randomUUID();
    const kept = new StoredUntilRefused<StoredOriginal>((original) => this.originals.discard(tenant, original));
    try {
      const { fields } = await readMultipart(request, {
        fileFields: ['source'],
        onFile: async (part) => {
          if (part.fieldsBefore['upload_phase'] !== undefined) throw invalidPhase(part.fieldsBefore['upload_phase'], ['(none) with a source file']);
          await kept.hold(this.originals.store(tenant, assetId, part.stream, cleanFileName(part.filename) ?? 'upload'));
        },
      });
      const original = kept.value;
      if (fields['upload_phase'] !== undefined) {
        if (original) throw invalidPhase(fields['upload_phase'], ['(none) with a source file']);
        return await this.start(actor, fields);
      }
      if (!original) throw missingField('source', 'a multipart field "source" with the file is required');
      return await this.oneRequest.execute(actor, assetId, original, parseOr400(assetMetadataSchema, fields));
    } catch (error) {
      // Refused or failed after (or while) the bytes were streamed: none of them stays in storage.
      await kept.refuse();
      throw error;
    }
  }

  /** `POST /assets/{id}/multipart`: a multipart transfer, or a finish as JSON, form or multipart. */
  async multipart(actor: Actor, id: string, request: IncomingMessage, jsonBody: unknown): Promise<MultipartOutcome> {
    if (jsonBody !== undefined) {
      const fields = (typeof jsonBody === 'object' && jsonBody !== null ? jsonBody : {}) as Record<string, unknown>;
      if (fields['upload_phase'] !== 'finish') throw invalidPhase(stringOrUndefined(fields['upload_phase']), ['finish (or transfer as multipart/form-data)']);
      return { kind: 'finish', record: await this.finish(actor, id, fields['sha256']) };
    }
    // Counted as chunk transfers: a multipart request here is one, unless it is a finish sent as a form.
    try {
      const outcome = await this.multipartForm(actor, id, request);
      if (outcome.kind === 'finish') return outcome;
      this.metrics.chunkCommitted(outcome.bytes);
      return { kind: 'transfer', offsets: outcome.offsets };
    } catch (error) {
      this.metrics.chunkRejected(error);
      throw error;
    }
  }

  private finish(actor: Actor, id: string, sha256: unknown): Promise<AssetRecord> {
    return this.finishes.execute(actor, id, sha256 === undefined || sha256 === '' ? undefined : parseOr400(fileSha256Schema, sha256));
  }

  private async multipartForm(actor: Actor, id: string, request: IncomingMessage): Promise<{ kind: 'transfer'; bytes: number; offsets: UploadOffsets & { id: string } } | { kind: 'finish'; record: AssetRecord }> {
    let stored: StoredChunk | undefined;
    let fields: FormFields;
    try {
      ({ fields } = await readMultipart(request, {
        fileFields: ['file_chunk'],
        onFile: async (part) => {
          const phase = part.fieldsBefore['upload_phase'];
          if (phase !== undefined && phase !== 'transfer') throw invalidPhase(phase, ['transfer']);
          const startOffset = part.fieldsBefore['start_offset'] === undefined ? undefined : parseOr400(offsetSchema, part.fieldsBefore['start_offset']);
          // Storage hashes the chunk on the way only for a checksum sent before it; one sent after is checked
          // from the stored bytes, so the common form (no checksum) costs one SHA-256 pass, not two.
          stored = await this.transfers.store(actor, id, part.stream, startOffset, { chunkSha256: part.fieldsBefore['checksum'] !== undefined });
        },
      }));
    } catch (error) {
      if (stored) await this.transfers.abort(tenantIdOf(actor.principal), id, stored.transferId);
      throw error;
    }
    if (!stored) {
      if (fields['upload_phase'] === 'finish') return { kind: 'finish', record: await this.finish(actor, id, fields['sha256']) };
      if (fields['upload_phase'] === 'transfer') throw missingField('file_chunk', 'a transfer carries its bytes in the multipart field "file_chunk"');
      throw invalidPhase(fields['upload_phase'], ['transfer', 'finish']);
    }
    const chunk = stored;
    let claims: ChunkClaims;
    try {
      // Fields may follow the file part; they are checked now, and a failed check keeps no byte.
      if (fields['upload_phase'] !== 'transfer') throw invalidPhase(fields['upload_phase'], ['transfer']);
      claims = {
        ...(fields['start_offset'] === undefined ? {} : { startOffset: parseOr400(offsetSchema, fields['start_offset']) }),
        ...(fields['checksum'] === undefined ? {} : { checksum: parseOr400(chunkChecksumSchema, fields['checksum']).slice('sha256:'.length) }),
        ...(cleanFileName(fields['original_name']) ? { originalName: cleanFileName(fields['original_name']) } : {}),
      };
    } catch (error) {
      await this.transfers.abort(tenantIdOf(actor.principal), id, chunk.transferId);
      throw error;
    }
    return { kind: 'transfer', bytes: chunk.bytes, offsets: await this.transfers.commit(actor, id, chunk, claims) };
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : value === undefined ? undefined : String(value);
}
