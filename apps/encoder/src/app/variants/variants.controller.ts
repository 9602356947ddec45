import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AllowCallers } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import { type VariantRenderRequest, variantRenderRequestSchema } from './variant-render.request';
import { VariantRenderService } from './variant-render.service';

/**
 * The encoder's internal image API, called by the gateway on a `/cdn/{id}/{format}/{name}` miss: makes the
 * variant exist in storage (rendered once across replicas) and answers when it does (or, asked to stream,
 * answers the request that rendered it with the image itself while storing it). Only ingest-api's
 * service token is taken: a request names any tenant's stored file, and each render costs CPU.
 */
@Controller('internal/variants')
@AllowCallers('ingest-api')
export class VariantsController {
  constructor(private readonly variants: VariantRenderService) {}

  @Post()
  @HttpCode(200)
  async ensure(@Body() body: unknown, @Res() response: Response): Promise<void> {
    const ensured = await this.variants.ensure(parseRequest(body));
    if (ensured.kind === 'ready') {
      response.status(200).json(ensured.answer);
      return;
    }
    // The image itself, stored right after: the gateway relays it as it would the stored file. Delivered
    // whatever happens to the headers, because delivering is what stores the variant and settles its claim.
    try {
      response.status(200);
      response.setHeader('Content-Type', ensured.contentType);
      response.setHeader('Content-Length', String(ensured.size));
      response.setHeader('ETag', ensured.etag);
      response.setHeader('Accept-Ranges', 'bytes');
    } finally {
      await ensured.deliver(response);
    }
  }
}

function parseRequest(body: unknown): VariantRenderRequest {
  const parsed = variantRenderRequestSchema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
  throw new DomainError(400, 'invalid_request', 'The request is invalid', detail);
}
