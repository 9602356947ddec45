import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { AllowCallers } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import { type VariantRenderRequest, variantRenderRequestSchema } from './variant-render.request';
import { type VariantAnswer, VariantRenderService } from './variant-render.service';

/**
 * The encoder's internal image API, called by the gateway on a `/cdn/{id}/{format}/{name}` miss: makes the
 * variant exist in storage (rendered once across replicas) and answers when it does. Only ingest-api's
 * service token is taken: a request names any tenant's stored file, and each render costs CPU.
 */
@Controller('internal/variants')
@AllowCallers('ingest-api')
export class VariantsController {
  constructor(private readonly variants: VariantRenderService) {}

  @Post()
  @HttpCode(200)
  ensure(@Body() body: unknown): Promise<VariantAnswer> {
    return this.variants.ensure(parseRequest(body));
  }
}

function parseRequest(body: unknown): VariantRenderRequest {
  const parsed = variantRenderRequestSchema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
  throw new DomainError(400, 'invalid_request', 'The request is invalid', detail);
}
