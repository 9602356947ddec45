import { constants } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EncoderConfig } from '../encoder.config';
import { ENCODER_CONFIG } from '../encoder-config.token';
import { JobWorkspace } from '../jobs/job-workspace';
import type { PhotoHeader } from '../media/photo-plan';
import { EncoderStorageClient } from '@media/internal-api';

interface Entry {
  file: string;
  bytes: number;
  /** Renders reading the file now: an entry in use is never evicted under them. */
  users: number;
  /** The header as probed by the first render of this source (the file never changes, nor does its header). */
  header: PhotoHeader | null;
}

/** A source image on local disk for as long as `release` is not called. */
export interface HeldSource {
  file: string;
  /** Its header when a render probed it before: the next render of another size skips the probe. */
  header: PhotoHeader | null;
  rememberHeader(header: PhotoHeader): void;
  release(): void;
}

/**
 * Originals downloaded for on-demand renders, kept on local disk up to a byte budget, least recently used
 * evicted first. A stored file never changes under its id, so an entry never goes stale; a page asking
 * for five sizes of one photo downloads it once. Concurrent requests for one source share one download.
 * An image original this replica just processed is already here: its job hands a copy over (`adopt`), so
 * the first size asked for right after an upload starts rendering at once instead of downloading.
 */
@Injectable()
export class ImageSourceCache {
  private readonly logger = new Logger(ImageSourceCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly downloads = new Map<string, Promise<Entry | null>>();
  private readonly budget: number;
  private total = 0;
  private dir: Promise<string> | null = null;

  constructor(
    private readonly storage: EncoderStorageClient,
    private readonly workspace: JobWorkspace,
    @Inject(ENCODER_CONFIG) config: Pick<EncoderConfig, 'IMAGE_SOURCE_CACHE_MB'>,
  ) {
    this.budget = config.IMAGE_SOURCE_CACHE_MB * 1024 * 1024;
  }

  /** The source on disk, held until released; null when storage no longer has it. */
  async hold(fileId: string, tenant: string): Promise<HeldSource | null> {
    let entry = this.entries.get(fileId);
    if (entry) {
      // Map order is the recency order: re-inserting moves it to the most recent end.
      this.entries.delete(fileId);
      this.entries.set(fileId, entry);
    } else {
      let download = this.downloads.get(fileId);
      if (!download) {
        download = this.download(fileId, tenant).finally(() => this.downloads.delete(fileId));
        this.downloads.set(fileId, download);
      }
      const downloaded = await download;
      if (!downloaded) return null;
      entry = downloaded;
    }
    const held = entry;
    held.users += 1;
    let released = false;
    return {
      file: held.file,
      header: held.header,
      rememberHeader: (header) => {
        held.header = header;
      },
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        void this.evict();
      },
    };
  }

  /**
   * Keeps a copy of `file`, which holds the bytes of stored file `fileId` (an original a processing job
   * downloaded anyway). A copy, not a link: the job's file goes on to sandboxed tools, the cache's must
   * stay exactly the stored bytes. Never throws: without the copy a render downloads as before.
   */
  async adopt(fileId: string, file: string): Promise<void> {
    if (this.entries.has(fileId) || this.downloads.has(fileId)) return;
    try {
      await this.fill(fileId, async (partial) => {
        // A copy-on-write clone where the file system has them, a plain copy elsewhere.
        await copyFile(file, partial, constants.COPYFILE_FICLONE);
        return (await stat(partial)).size;
      });
    } catch (error) {
      this.logger.warn({ err: error, fileId }, 'could not keep a processed original for image renders; the first render downloads it');
    }
  }

  private download(fileId: string, tenant: string): Promise<Entry | null> {
    return this.fill(fileId, (partial) => this.storage.download(fileId, tenant, partial));
  }

  /** Writes the source through `write` into a partial file, then makes it the entry of `fileId` (the first one wins). */
  private async fill(fileId: string, write: (partial: string) => Promise<number | null>): Promise<Entry | null> {
    this.dir ??= this.workspace.folder('image-sources');
    const file = path.join(await this.dir, fileId);
    const partial = `${file}.${process.hrtime.bigint()}.part`;
    try {
      const bytes = await write(partial);
      if (bytes === null) return null;
      // Filled by another way meanwhile (an adoption and a download racing): the same bytes, keep the first.
      const present = this.entries.get(fileId);
      if (present) return present;
      await rename(partial, file);
      const entry: Entry = { file, bytes, users: 0, header: null };
      this.entries.set(fileId, entry);
      this.total += bytes;
      await this.evict();
      return entry;
    } finally {
      await rm(partial, { force: true });
    }
  }

  /** Oldest unused entries go until the cache fits its budget (entries in use stay, even over budget). */
  private async evict(): Promise<void> {
    for (const [fileId, entry] of this.entries) {
      if (this.total <= this.budget) return;
      if (entry.users > 0) continue;
      this.entries.delete(fileId);
      this.total -= entry.bytes;
      await rm(entry.file, { force: true });
    }
  }
}
