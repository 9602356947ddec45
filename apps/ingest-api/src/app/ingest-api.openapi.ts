import type { ServiceOptions } from '@media/service-kit';
import { buildOpenApiDocument } from './docs/openapi.document';

/** The public API's OpenAPI document: built from the operation table and the zod contract, not decorators. */
export const ingestApiDocs: ServiceOptions = { openApi: { document: buildOpenApiDocument } };
