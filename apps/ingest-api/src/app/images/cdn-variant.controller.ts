import { Controller, Get, Head, Param, Req, Res } from '@nestjs/common';
import { IMAGE_OUTPUT_MIME } from '@media/asset-model';
import type { Request, Response } from 'express';
import { relayStoredFile } from '../cdn/stored-file.relay';
import { ImageVariantService } from './image-variant.service';

/**
 * `GET /cdn/{file id}/{format}/{name}`: an image of the file in the size and format the options ask for,
 * rendered on the first request and served as a stored file from then on. No token, like `/cdn`. Its
 * documented answers are in `docs/api-operations.ts`.
 */
@Controller('cdn')
export class CdnVariantController {
  constructor(private readonly variants: ImageVariantService) {}

  @Get(':fileId/:format/:name')
  get(@Param('fileId') fileId: string, @Param('format') format: string, @Param('name') name: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve(fileId, format, name, 'GET', request, response);
  }

  @Head(':fileId/:format/:name')
  head(@Param('fileId') fileId: string, @Param('format') format: string, @Param('name') name: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve(fileId, format, name, 'HEAD', request, response);
  }

  private async serve(fileId: string, format: string, name: string, method: 'GET' | 'HEAD', request: Request, response: Response): Promise<void> {
    const opened = await this.variants.open({
      fileId,
      format,
      method,
      accept: request.headers.accept,
      range: request.headers.range,
      ifNoneMatch: request.headers['if-none-match'],
    });
    await relayStoredFile(opened.upstream, response, {
      contentType: IMAGE_OUTPUT_MIME[opened.format],
      fileName: renamed(name, opened.format),
      disposition: 'inline',
      // A variant never changes under its URL (its id hashes source and options), so caches may keep it for good.
      cacheControl: 'public, max-age=31536000, immutable',
      ...(opened.negotiated ? { vary: 'Accept' } : {}),
    });
  }
}

/** The requested name with the extension of what is served (`photo.jpg` asked as WebP is `photo.webp`). */
function renamed(name: string, format: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${stem || 'image'}.${format === 'jpeg' ? 'jpg' : format}`;
}
