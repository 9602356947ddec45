import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@media/scopes';
import { applyUploadCommand, type Transition, type UploadCommand } from '@media/upload-state-machine';
import { assetNotFound, tooMuchContention } from '../assets/asset-errors';
import { presentAsset } from '../assets/asset.presenter';
import type { AssetRecord, OpenUpload, TenantId } from '../assets/asset.record';
import { AssetRepository, type EventContext } from '../assets/asset.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { refusalError } from './refusal.error';

const CAS_ATTEMPTS = 8;

/** Who did it and under which trace: travels into the events a change emits. */
export interface Actor {
  principal: Principal;
  traceparent?: string;
}

export type AcceptedTransition = Extract<Transition, { ok: true }>;
export type AssetWithUpload = AssetRecord & { upload: OpenUpload };

export interface TransitionOptions {
  /**
   * What else changes with the transition, decided on the record the command was applied to (it may do
   * work, e.g. completing the upload in storage, which is why it runs before the write and again on a lost race).
   */
  changes?: (record: AssetWithUpload, outcome: AcceptedTransition) => Partial<AssetRecord> | Promise<Partial<AssetRecord>>;
  /** Whose change it is, for the events; the system's when omitted. */
  actor?: Actor;
}

/**
 * The one way an upload changes state: read the asset, run one state-machine command on its upload, write
 * the result with compare-and-set, and on a lost race start over on the newer state. Every upload use case
 * (transfer, finish, expiry) goes through here, so none keeps its own retry loop or notion of offsets.
 */
@Injectable()
export class UploadTransitions {
  constructor(
    private readonly assets: AssetRepository,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  async apply(tenant: TenantId, id: string, command: () => UploadCommand, options: TransitionOptions = {}): Promise<AssetRecord> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const record = await this.requireUpload(tenant, id);
      const outcome = applyUploadCommand(record.upload, command());
      if (!outcome.ok) throw refusalError(outcome.refusal);
      if (outcome.replay) return record;
      const changes = (await options.changes?.(record, outcome)) ?? {};
      const next = await this.assets.compareAndSet(
        record,
        { upload: { ...record.upload, ...outcome.session }, status: outcome.session.status, ...changes },
        outcome.events,
        this.eventContext(options.actor),
      );
      if (next) return next;
    }
    throw tooMuchContention();
  }

  async require(tenant: TenantId, id: string): Promise<AssetRecord> {
    const record = await this.assets.findOne(tenant, id);
    if (!record) throw assetNotFound(id);
    return record;
  }

  /** The asset, which must have been uploaded in chunks. */
  async requireUpload(tenant: TenantId, id: string): Promise<AssetWithUpload> {
    const record = await this.require(tenant, id);
    if (!record.upload) throw refusalError({ code: 'upload_not_open', status: 409, detail: 'this asset was not uploaded in chunks' });
    return record as AssetWithUpload;
  }

  /** The events' author and trace, and how they render the asset. */
  eventContext(actor?: Actor): EventContext {
    return {
      performedBy: actor?.principal.subject ?? 'system',
      ...(actor?.traceparent ? { traceparent: actor.traceparent } : {}),
      render: (record) => presentAsset(record, this.config.PUBLIC_BASE_URL) as unknown as Record<string, unknown>,
    };
  }
}
