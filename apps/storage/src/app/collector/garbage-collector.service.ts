import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MAX_REFERENCE_CHECK_IDS } from '@media/asset-model';
import { MetricsRegistry } from '@media/service-kit';
import { Counter } from 'prom-client';
import { GridFsRepository } from '../files/grid-fs.repository';
import type { StorageConfig } from '../storage.config';
import { STORAGE_CONFIG } from '../storage-config.token';
import { ChunkedUploadRepository } from '../uploads/chunked-upload.repository';
import { AssetReferencesClient } from './asset-references.client';
import { groupByOwner, nextCursor, type OwnerGroup, unreferenced } from './orphan.policy';
import { type OwnedCandidate, OrphanScanRepository, type ScanCursors } from './orphan-scan.repository';

export type RemovedCounts = Record<'files' | 'uploads' | 'chunks' | 'parts', number>;

/**
 * Removes stored bytes no asset references, which only crashes leave behind (refused requests clean up at
 * once): GridFS files whose asset was never inserted or whose encoder job died after storing renditions,
 * uploads of deleted assets, chunk documents whose file and upload are gone, parts of forgotten uploads.
 *
 * Storage does not own the catalog, so it never decides alone: every file and upload is checked with
 * ingest-api (fail closed: no answer, no deletion). Only what is older than the grace period is looked at,
 * one replica at a time (a lease in MongoDB), a bounded batch of each kind per pass.
 */
@Injectable()
export class GarbageCollector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GarbageCollector.name);
  private readonly holder = randomUUID();
  private readonly client: AssetReferencesClient | undefined;
  private readonly removed: Counter<'kind'>;
  private readonly passes: Counter<'outcome'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RemovedCounts | null> | undefined;

  constructor(
    private readonly scan: OrphanScanRepository,
    private readonly gridFs: GridFsRepository,
    private readonly uploads: ChunkedUploadRepository,
    @Inject(STORAGE_CONFIG) private readonly config: StorageConfig,
    metrics: MetricsRegistry,
  ) {
    this.client = config.INGEST_API_URL ? new AssetReferencesClient(config.INGEST_API_URL) : undefined;
    this.removed = new Counter({
      name: 'storage_gc_removed_total',
      help: 'What the garbage collector removed, by kind (files, uploads, chunks, parts)',
      labelNames: ['kind'],
      registers: [metrics.registry],
    });
    this.passes = new Counter({
      name: 'storage_gc_passes_total',
      help: 'Garbage collector passes by outcome (collected, not_leader, failed, disabled)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (!this.client) this.logger.warn('INGEST_API_URL is unset: unreferenced bytes are not collected');
    this.timer = setInterval(() => void this.runPass(), this.config.STORAGE_GC_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass (or the one already running); null when disabled or another replica holds the lease. */
  runPass(): Promise<RemovedCounts | null> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<RemovedCounts | null> {
    const client = this.client;
    if (!client) {
      this.passes.inc({ outcome: 'disabled' });
      return null;
    }
    const now = new Date();
    try {
      if (!(await this.scan.acquireLease(this.holder, now, this.config.STORAGE_GC_INTERVAL_SECONDS * 2000))) {
        this.passes.inc({ outcome: 'not_leader' });
        return null;
      }
      const before = new Date(now.getTime() - this.config.STORAGE_GC_GRACE_SECONDS * 1000);
      const batch = this.config.STORAGE_GC_BATCH;
      const cursors = await this.scan.cursors();
      const removed: RemovedCounts = { files: 0, uploads: 0, chunks: 0, parts: 0 };
      const next: ScanCursors = { ...cursors };

      // Files before uploads: a finished upload's id is its file's id, and the file decides.
      const files = await this.scan.oldFiles(cursors.files, before, batch);
      for (const id of await this.garbageOf(client, files)) {
        // Deleted under the tenant its metadata names, like every other deletion of a tenant's bytes.
        const file = files.find((candidate) => candidate.id === id);
        if (!(await this.gridFs.deleteFile(id, file?.tenant ?? ''))) continue;
        await this.uploads.forgetUpload(id);
        removed.files += 1;
      }
      next.files = nextCursor(files.map((file) => file.id), batch, '');

      const uploads = await this.scan.oldUploads(cursors.uploads, before, batch);
      for (const id of await this.garbageOf(client, uploads)) {
        await this.uploads.deleteUpload(id);
        removed.uploads += 1;
      }
      next.uploads = nextCursor(uploads.map((upload) => upload.id), batch, '');

      // Chunks and parts without any owner document: nothing can reference them, no question to ask.
      const chunks = await this.scan.oldChunkOwners(cursors.chunks, before, batch);
      const owned = await this.scan.owned(chunks.owners);
      for (const owner of chunks.owners.filter((id) => !owned.has(id))) removed.chunks += await this.scan.deleteChunksOf(owner, before);
      next.chunks = chunks.last ?? '000000000000000000000000';

      const parts = await this.scan.oldParts(cursors.parts, before, batch);
      const partOwners = await this.scan.owned([...new Set(parts.map((part) => part.uploadId))]);
      removed.parts += await this.scan.deleteParts(parts.filter((part) => !partOwners.has(part.uploadId)).map((part) => part.id));
      next.parts = nextCursor(parts.map((part) => part.id), batch, '');

      await this.scan.saveCursors(this.holder, next);
      for (const [kind, count] of Object.entries(removed)) if (count > 0) this.removed.inc({ kind }, count);
      this.passes.inc({ outcome: 'collected' });
      if (Object.values(removed).some((count) => count > 0)) this.logger.log({ removed }, 'collected unreferenced bytes');
      return removed;
    } catch (error) {
      this.passes.inc({ outcome: 'failed' });
      this.logger.warn({ err: error }, 'a garbage collection pass failed; nothing more is removed until the next');
      return null;
    }
  }

  /** The candidates no asset references, asking ingest-api per owner; an error stops the pass (fail closed). */
  private async garbageOf(client: AssetReferencesClient, candidates: readonly OwnedCandidate[]): Promise<string[]> {
    const garbage: string[] = [];
    for (const group of groupByOwner(candidates, MAX_REFERENCE_CHECK_IDS)) garbage.push(...unreferenced(group, await this.referencedBy(client, group)));
    return garbage;
  }

  private referencedBy(client: AssetReferencesClient, group: OwnerGroup): Promise<string[]> {
    // Bytes that name no asset cannot be referenced by one.
    if (!group.tenant || !group.assetId) return Promise.resolve([]);
    return client.referenced({ tenant: group.tenant, asset_id: group.assetId, ids: group.ids });
  }
}
