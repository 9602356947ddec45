import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { IMAGE_OUTPUT_MIME, planVariant } from '@media/asset-model';
import { DomainError } from '@media/service-kit';
import type { EncoderConfig } from '../encoder.config';
import { ENCODER_CONFIG } from '../encoder-config.token';
import { EncoderMetrics } from '../jobs/encoder.metrics';
import { MediaRejectedError } from '../media/media-job';
import { checkPhotoHeader } from '../media/photo-plan';
import { SHARP_RULES } from '../media/photo.processor';
import { EncoderStorageClient, StorageUnavailableError, storedFileEntityTag } from '@media/internal-api';
import { ImageRenderPool, RenderPoolBusyError, type RenderedImage } from './image-render.pool';
import { type HeldSource, ImageSourceCache } from './image-source.cache';
import { VariantClaimRepository } from './variant-claim.repository';
import type { VariantRenderRequest } from './variant-render.request';

export interface VariantAnswer {
  variant_id: string;
  /** False when the variant was already stored or another request rendered it meanwhile. */
  rendered: boolean;
  width?: number;
  height?: number;
  size?: number;
}

/** The rendered image itself, for the request that rendered it in streaming mode. */
export interface FreshVariant {
  answer: VariantAnswer;
  contentType: string;
  size: number;
  /** The tag storage gives the stored variant, so the first answer and later ones agree. */
  etag: string;
  /**
   * Writes the bytes into `sink` and then, without waiting for the caller to take them, stores them.
   * Resolves once both are over, whatever their outcome: a client gone mid-way does not stop the store,
   * a failed store does not touch what the client got. The caller must call it (the claim is marked
   * stored, or given up, only by the store it starts).
   */
  deliver(sink: Writable): Promise<void>;
}

export type EnsuredVariant = { kind: 'ready'; answer: VariantAnswer } | ({ kind: 'fresh' } & FreshVariant);

/** How often a request waiting for another replica's render looks again. */
const WAIT_POLL_MS = 25;

/**
 * Makes one image variant exist in storage, rendering it at most once across replicas: claim (or wait
 * for the claimant), download the source, check its header, plan, render in the pool, store under the
 * variant's id, mark stored. The rendered bytes stay in memory (no file written and read back); in
 * streaming mode they go to the caller first and to storage right after. The claim is marked stored only
 * once storage has the whole file, so waiting requests (of any replica) read a complete variant, and a
 * failed store gives the claim up and removes its bytes.
 */
@Injectable()
export class VariantRenderService {
  private readonly logger = new Logger(VariantRenderService.name);
  private readonly leaseMs: number;

  constructor(
    private readonly claims: VariantClaimRepository,
    private readonly pool: ImageRenderPool,
    private readonly storage: EncoderStorageClient,
    private readonly sources: ImageSourceCache,
    private readonly metrics: EncoderMetrics,
    @Inject(ENCODER_CONFIG) private readonly config: Pick<EncoderConfig, 'IMAGE_RENDER_TIMEOUT_SECONDS' | 'IMAGE_MAX_VARIANTS_PER_FILE' | 'ENCODER_MAX_PIXELS'>,
  ) {
    // The claim outlives a render's bound with room for the download and the upload around it.
    this.leaseMs = (config.IMAGE_RENDER_TIMEOUT_SECONDS + 30) * 1000;
  }

  async ensure(request: VariantRenderRequest): Promise<EnsuredVariant> {
    const giveUpAt = Date.now() + 2 * this.leaseMs;
    const variant = { _id: request.variant_id, asset_id: request.asset_id, tenant: request.tenant, source_file_id: request.source_file_id };
    let waited = false;
    while (Date.now() < giveUpAt) {
      // The gateway asks only after storage had no such variant: the first attempt expects a new claim.
      const outcome = await this.claims.claim(variant, this.leaseMs, this.config.IMAGE_MAX_VARIANTS_PER_FILE, new Date(), !waited);
      if (outcome.kind === 'claimed') return this.renderAs(outcome.owner, request);
      if (outcome.kind === 'limit_reached') {
        this.metrics.imageRenders.inc({ outcome: 'refused' });
        throw new DomainError(400, 'variant_limit_reached', 'Too many image variants', `this file already has ${outcome.count} variants, the most one file may have; use one of the sizes already asked for`);
      }
      if (outcome.kind === 'stored') {
        if (await this.storage.exists(request.variant_id, request.tenant)) {
          this.metrics.imageRenders.inc({ outcome: waited ? 'waited' : 'cached' });
          return { kind: 'ready', answer: { variant_id: request.variant_id, rendered: false } };
        }
        const owner = await this.claims.reclaimStored(request.variant_id, this.leaseMs);
        if (owner) return this.renderAs(owner, request);
      }
      waited = true;
      await sleep(WAIT_POLL_MS);
    }
    throw new DomainError(503, 'render_timeout', 'Image not ready', 'another request is still rendering this image; retry shortly', {}, { 'Retry-After': '1' });
  }

  private async renderAs(owner: string, request: VariantRenderRequest): Promise<EnsuredVariant> {
    const started = process.hrtime.bigint();
    let source: HeldSource | null = null;
    try {
      source = await this.sources.hold(request.source_file_id, request.tenant);
      if (!source) throw new DomainError(404, 'file_not_found', 'File not found', 'the source image is no longer stored');
      // Probed once per cached source (one thread hop less for every further size of it); checked every time.
      const header = source.header ?? (await this.pool.probe(source.file));
      const displayed = checkPhotoHeader(header, this.config.ENCODER_MAX_PIXELS);
      source.rememberHeader(header);
      const plan = planVariant(request, request.format, displayed);
      const made = await this.pool.render(source.file, plan);
      source.release();
      source = null;
      this.metrics.imageRenders.inc({ outcome: 'rendered' });
      // Time until the image exists: what the first client waits for when the answer is streamed.
      this.metrics.imageRenderDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      const answer: VariantAnswer = { variant_id: request.variant_id, rendered: true, width: made.width, height: made.height, size: made.size };
      if (!request.stream) {
        if (!(await this.store(owner, request, made.data))) throw new DomainError(503, 'storage_unavailable', 'Storage unavailable', 'the rendered image could not be stored; retry shortly', {}, { 'Retry-After': '1' });
        return { kind: 'ready', answer };
      }
      return { kind: 'fresh', answer, ...this.freshOf(request, made), deliver: (sink) => this.deliver(owner, request, made.data, sink) };
    } catch (error) {
      await this.claims.release(request.variant_id, owner).catch(() => undefined);
      this.metrics.imageRenders.inc({ outcome: 'failed' });
      throw toProblem(error);
    } finally {
      source?.release();
    }
  }

  private freshOf(request: VariantRenderRequest, made: RenderedImage): Pick<FreshVariant, 'contentType' | 'size' | 'etag'> {
    return { contentType: IMAGE_OUTPUT_MIME[request.format], size: made.size, etag: storedFileEntityTag(request.variant_id, made.sha256) };
  }

  /**
   * The rendered bytes to the caller first, then at once to storage: the answer is handed to the socket
   * before storage and the database start working on the same few cores, and the store does not wait for
   * a slow client to take it (waiting requests wait for the store, which marks the claim once it is whole).
   */
  private async deliver(owner: string, request: VariantRenderRequest, data: Buffer, sink: Writable): Promise<void> {
    const sent = finished(sink);
    sink.end(data);
    const stored = this.store(owner, request, data);
    try {
      await sent;
    } catch (error) {
      // The caller went away: its loss; the variant is still stored for the next request.
      this.logger.debug({ err: error }, 'a streamed image variant was not taken whole');
    } finally {
      await stored;
    }
  }

  /**
   * Stores the rendered file under the variant's id and marks the claim stored. Never throws: on failure
   * the claim is given up (a later request renders again) and whatever storage kept of the transfer is
   * removed, so no partial variant remains; the answer says whether it is stored.
   */
  private async store(owner: string, request: VariantRenderRequest, data: Buffer): Promise<boolean> {
    const file = { assetId: request.asset_id, tenant: request.tenant };
    try {
      await this.storage.storeAs(request.variant_id, data, { ...file, fileName: `variant.${request.format}`, contentType: IMAGE_OUTPUT_MIME[request.format], role: 'variant' });
    } catch (error) {
      this.logger.warn({ err: error, variant: request.variant_id }, 'a rendered image variant could not be stored; the next request renders it again');
      this.metrics.imageRenders.inc({ outcome: 'store_failed' });
      await this.storage.abandonUpload(request.variant_id, file).catch((cleanup: unknown) => {
        this.logger.warn({ err: cleanup, variant: request.variant_id }, 'could not remove the partial transfer of a variant; the collector will');
      });
      await this.claims.release(request.variant_id, owner).catch(() => undefined);
      return false;
    }
    try {
      if (!(await this.claims.markStored(request.variant_id, owner))) {
        this.logger.warn({ variant: request.variant_id }, 'a render outlived its claim; the stored variant is the same either way');
      }
    } catch (error) {
      // The bytes are stored whole; a claim left in rendering is taken over when its lease ends.
      this.logger.warn({ err: error, variant: request.variant_id }, 'could not mark an image variant stored');
    }
    return true;
  }
}

/** The image's fault → 415/422 with a code; a full pool or a storage hiccup → 503; anything else stays an error. */
function toProblem(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof RenderPoolBusyError) return new DomainError(503, 'render_busy', 'Renderer busy', error.message, {}, { 'Retry-After': '1' });
  if (error instanceof StorageUnavailableError) return new DomainError(503, 'storage_unavailable', 'Storage unavailable', error.message, {}, { 'Retry-After': '1' });
  const rejection =
    error instanceof MediaRejectedError
      ? { code: error.code, message: error.message }
      : SHARP_RULES.find((rule) => rule.pattern.test(error instanceof Error ? error.message : String(error)));
  if (!rejection) return error;
  if (rejection.code === 'unsupported_format') return new DomainError(415, 'unsupported_media_type', 'Not a supported image', rejection.message);
  return new DomainError(422, rejection.code, 'Image not rendered', rejection.message);
}
