import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AssetRepository } from '../assets/asset.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { UploadTransitions } from './upload-transitions';

const BATCH = 100;

/**
 * Fails resumable uploads past their TTL (`asset.changed`, error `upload_expired`); storage collects their
 * bytes when it sees that event. Several replicas may sweep at once: compare-and-set lets one win.
 */
@Injectable()
export class UploadExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UploadExpirySweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly assets: AssetRepository,
    private readonly transitions: UploadTransitions,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.UPLOAD_EXPIRY_SWEEP_SECONDS * 1000);
    this.timer.unref();
  }

  /**
   * One timer tick: a sweep unless one is still running. It never rejects: a pass that fails (the database
   * restarting) is logged and tried again at the next tick, where an unhandled rejection would end the
   * process (it did, in a chaos run, on a database restart).
   */
  tick(): Promise<void> {
    this.sweeping ??= this.sweep()
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error }, 'the upload expiry sweep failed; the next pass tries again'),
      )
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Expires every open upload past its TTL; returns how many it expired. */
  async sweep(now: number = Date.now()): Promise<number> {
    let expired = 0;
    for (const record of await this.assets.findExpiredUploads(now, BATCH)) {
      try {
        await this.transitions.apply(record.tenant, record._id, () => ({ kind: 'expire', now }), {
          changes: () => ({ error: { code: 'upload_expired', message: 'the resumable upload was not finished within its time to live' } }),
        });
        expired += 1;
      } catch (error) {
        this.logger.warn({ asset: record._id, error: error instanceof Error ? error.message : String(error) }, 'could not expire upload');
      }
    }
    return expired;
  }
}
