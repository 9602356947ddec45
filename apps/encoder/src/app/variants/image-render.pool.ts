import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { VariantPlan } from '@media/asset-model';
import { Piscina } from 'piscina';
import type { EncoderConfig } from '../encoder.config';
import { ENCODER_CONFIG } from '../encoder-config.token';
import type { PhotoHeader } from '../media/photo-plan';
import { IMAGE_RENDER_WORKER_SCRIPT } from './image-render-worker.script';

export interface RenderedImage {
  width: number;
  height: number;
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  /** The image (bounded by the maximum dimension; the encoder makes it whole in memory anyway). */
  data: Buffer;
}

/** Thrown when every thread is busy and the queue is full: the caller answers 503, nothing is wrong with the image. */
export class RenderPoolBusyError extends Error {
  constructor() {
    super('every image render thread is busy and the queue is full');
    this.name = 'RenderPoolBusyError';
  }
}

/**
 * sharp (libvips) off the event loop: a bounded pool of worker threads with a bounded queue (libvips'
 * own threads help a lone render finish sooner; under load the pool's size bounds the work). A thread, not a child process as for upload processing, because a render is a few
 * hundred milliseconds and a Node start per request would double it; the same guards still apply —
 * format allow-list and pixel limit from the header before decoding, sharp's `failOn` and timeout, a V8
 * heap bound and an empty environment per thread.
 */
@Injectable()
export class ImageRenderPool implements OnModuleInit, OnApplicationShutdown {
  private pool: Piscina | null = null;

  constructor(@Inject(ENCODER_CONFIG) private readonly config: Pick<EncoderConfig, 'ENCODER_TMP_DIR' | 'IMAGE_RENDER_THREADS' | 'IMAGE_RENDER_QUEUE' | 'IMAGE_RENDER_TIMEOUT_SECONDS' | 'ENCODER_MAX_PIXELS'>) {}

  async onModuleInit(): Promise<void> {
    const filename = await this.writeScript();
    this.pool = new Piscina({
      filename,
      minThreads: 1,
      maxThreads: this.config.IMAGE_RENDER_THREADS,
      maxQueue: this.config.IMAGE_RENDER_QUEUE,
      idleTimeout: 60_000,
      // Nothing of the service's environment (secrets, URLs) is visible to the code decoding untrusted bytes.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    // The first render of a new thread would otherwise load sharp and libvips' codecs on a client's clock.
    // Not awaited: start-up does not wait for it, and a request arriving meanwhile simply queues behind it.
    void this.run({ op: 'warm' }).catch(() => undefined);
  }

  probe(inputPath: string): Promise<PhotoHeader> {
    return this.run({ op: 'probe', inputPath }) as Promise<PhotoHeader>;
  }

  async render(inputPath: string, plan: VariantPlan): Promise<RenderedImage> {
    const made = (await this.run({ op: 'render', inputPath, plan, timeoutSeconds: this.config.IMAGE_RENDER_TIMEOUT_SECONDS })) as Omit<RenderedImage, 'data'> & { data: Uint8Array };
    // A Buffer crosses the thread boundary as a plain Uint8Array: viewed as a Buffer again, not copied.
    return { ...made, data: Buffer.from(made.data.buffer, made.data.byteOffset, made.data.byteLength) };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.destroy();
  }

  private run(task: Record<string, unknown>): Promise<unknown> {
    const pool = this.pool;
    if (!pool) throw new Error('the image render pool is not started');
    if (pool.queueSize >= this.config.IMAGE_RENDER_QUEUE) return Promise.reject(new RenderPoolBusyError());
    return pool.run({
      ...task,
      maxPixels: this.config.ENCODER_MAX_PIXELS,
      // Where the thread looks for sharp: the working directory and the entry script's folder.
      searchPaths: [process.cwd(), path.dirname(process.argv[1] ?? process.cwd())],
    });
  }

  /** The script under a name made of its hash: written once per version, shared by every replica on the machine. */
  private async writeScript(): Promise<string> {
    const dir = path.join(this.config.ENCODER_TMP_DIR, 'media-encoder');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const hash = createHash('sha256').update(IMAGE_RENDER_WORKER_SCRIPT).digest('hex').slice(0, 16);
    const file = path.join(dir, `image-render-${hash}.cjs`);
    const present = await stat(file).then(() => true, () => false);
    if (!present) {
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, IMAGE_RENDER_WORKER_SCRIPT, { mode: 0o600 });
      await rename(temporary, file);
    }
    return file;
  }
}
