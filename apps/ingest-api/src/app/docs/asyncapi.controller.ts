import { Controller, Get, Header } from '@nestjs/common';
import { buildAsyncApiDocument } from '@media/asset-model';
import { dump } from 'js-yaml';

/**
 * The AsyncAPI 3 document of the Kafka topics, next to the OpenAPI document. Generated once from the
 * contracts lib at boot: it describes the schemas this build validates with, not a hand-kept copy.
 */
@Controller('docs')
export class AsyncApiController {
  private readonly document = buildAsyncApiDocument();
  private readonly yaml = dump(this.document, { noRefs: true, lineWidth: 120 });

  @Get('asyncapi.json')
  json(): Record<string, unknown> {
    return this.document;
  }

  @Get('asyncapi.yaml')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  yamlDocument(): string {
    return this.yaml;
  }
}
