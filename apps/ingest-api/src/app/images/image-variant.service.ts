import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import {
  type FormatOptions,
  type ImageOutputFormat,
  canonicalFormat,
  isRenderableImage,
  negotiateFormat,
  parseFormatSegment,
  verifyFormatSignature,
} from '@media/asset-model';
import { DomainError } from '@media/service-kit';
import { AssetRepository } from '../assets/asset.repository';
import { checkedOpen } from '../cdn/checked-open.util';
import { isAssetId } from '../http/request-context';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { ImagingClient, StorageClient } from '@media/internal-api';

export interface VariantRequest {
  fileId: string;
  format: string;
  method: 'GET' | 'HEAD';
  accept?: string;
  range?: string;
  ifNoneMatch?: string;
}

export interface OpenedVariant {
  upstream: IncomingMessage;
  format: ImageOutputFormat;
  /** The output format came from `Accept`, so caches must key on it. */
  negotiated: boolean;
  size: number | null;
}

type ImagesConfig = Pick<IngestApiConfig, 'IMAGE_MAX_DIMENSION' | 'IMAGE_SIGNING_KEY' | 'IMAGE_PRESETS'>;

const notFound = () => new DomainError(404, 'file_not_found', 'File not found', 'no such file');

/**
 * `GET /cdn/{file id}/{format}/{name}`: the options are checked here (400 before anything is looked up),
 * the stored variant is streamed when it exists, and the renderer is asked to make it once when not (the
 * request that makes it gets the renderer's bytes directly). A variant's storage id is a hash of its source
 * and canonical options, so finding it is one read by id.
 */
@Injectable()
export class ImageVariantService {
  private readonly presets: ReadonlyMap<string, FormatOptions> | null;

  constructor(
    private readonly assets: AssetRepository,
    private readonly storage: StorageClient,
    private readonly imaging: ImagingClient,
    @Inject(INGEST_CONFIG) private readonly config: ImagesConfig,
  ) {
    // Presets are parsed at start-up: a bad one stops the gateway instead of failing requests later.
    this.presets = config.IMAGE_PRESETS
      ? new Map(Object.entries(config.IMAGE_PRESETS).map(([name, segment]) => [name, this.parse(segment, `preset ${name}`)]))
      : null;
  }

  async open(request: VariantRequest): Promise<OpenedVariant> {
    const options = this.optionsOf(request.fileId, request.format);
    if (!isAssetId(request.fileId)) throw notFound();
    const entry = await this.assets.locateServedFile(request.fileId);
    if (!entry) throw notFound();
    if (!isRenderableImage(entry.mime_type)) {
      // A file no longer served is a 404 whatever its type, as before.
      if (!(await this.assets.servedFileOf(entry))) throw notFound();
      throw new DomainError(415, 'unsupported_media_type', 'Not an image', `${entry.mime_type} files have no image variants; only images do`);
    }
    const format = options.format ?? negotiateFormat(request.accept, entry.mime_type);
    const variantId = variantIdOf(entry.storage_file_id, canonicalFormat(options, format));
    const read = () => this.storage.openFile(variantId, { tenant: entry.tenant, method: request.method, range: request.range, ifNoneMatch: request.ifNoneMatch });
    const opened = (upstream: IncomingMessage): OpenedVariant => ({ upstream, format, negotiated: !options.format, size: Number(upstream.headers['content-length']) || null });
    // The stored variant is asked for while the asset is checked (see `checkedOpen`), and nothing is
    // rendered for a file that is no longer served.
    const checked = await checkedOpen(this.assets.servedFileOf(entry), read());
    if (!checked) throw notFound();
    let upstream = checked.upstream;
    if (upstream.statusCode === 404) {
      upstream.resume();
      const render = {
        asset_id: entry.asset_id,
        tenant: entry.tenant,
        source_file_id: entry.storage_file_id,
        variant_id: variantId,
        width: options.width,
        height: options.height,
        quality: options.quality,
        gravity: options.gravity,
        format,
      };
      // A plain GET takes the rendered bytes as they come from the renderer (stored at the same time): no
      // wait for the store and a read back. A HEAD, a Range or a conditional request needs storage's answer.
      if (request.method === 'GET' && request.range === undefined && request.ifNoneMatch === undefined) {
        const rendered = await this.imaging.renderStreaming(render);
        if (rendered.kind === 'image') return opened(rendered.response);
      } else {
        await this.imaging.render(render);
      }
      upstream = await read();
    }
    const status = upstream.statusCode ?? 502;
    if (status === 416) {
      upstream.resume();
      const size = upstream.headers['content-range']?.split('/')[1] ?? '*';
      throw new DomainError(416, 'range_not_satisfiable', 'Range not satisfiable', `the image has ${size} bytes`, {}, { 'Content-Range': `bytes */${size}` });
    }
    if (status === 404) {
      // Deleted between render and read (the asset went, or its file was replaced): gone for the client too.
      upstream.resume();
      throw notFound();
    }
    if (status >= 400) {
      upstream.resume();
      throw new Error(`storage answered ${status} for image variant ${variantId}`);
    }
    return opened(upstream);
  }

  /** Options of the request: a named preset when presets are configured, else the segment (signed when required). */
  private optionsOf(fileId: string, segment: string): FormatOptions {
    if (this.presets) {
      const preset = this.presets.get(segment);
      if (!preset) {
        throw new DomainError(400, 'unknown_preset', 'Unknown image preset', `only these formats are served: ${[...this.presets.keys()].join(', ')}`);
      }
      return preset;
    }
    const options = this.parse(segment, 'format');
    const key = this.config.IMAGE_SIGNING_KEY;
    if (key && !verifyFormatSignature(key, fileId, options)) {
      throw new DomainError(403, 'invalid_signature', 'Invalid format signature', 'this service serves only signed formats: add s_<signature> made with its key');
    }
    return options;
  }

  private parse(segment: string, what: string): FormatOptions {
    const parsed = parseFormatSegment(segment, { maxDimension: this.config.IMAGE_MAX_DIMENSION });
    if (!parsed.ok) throw new DomainError(400, parsed.code, 'Invalid image format', `${what}: ${parsed.detail}`);
    return parsed.options;
  }
}

/** Storage id of a variant: its source and canonical options, hashed (letters and digits, as storage ids must be). */
export function variantIdOf(sourceStorageId: string, canonical: string): string {
  return `var-${createHash('sha256').update(`${sourceStorageId}|${canonical}`).digest('hex')}`;
}
