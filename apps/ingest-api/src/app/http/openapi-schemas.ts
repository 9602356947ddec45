import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { assetSchema } from '@media/asset-model';
import { z } from 'zod';
import { assetMetadataSchema } from '../assets/asset-input';

/**
 * OpenAPI schemas generated from the same zod schemas the code validates with, so the document cannot
 * drift from what the API really accepts and answers.
 */
const toOpenApi = (schema: z.ZodType): SchemaObject => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as SchemaObject;

export const assetOpenApi = toOpenApi(assetSchema);

export const assetListOpenApi = toOpenApi(
  z.object({ total: z.number().int(), skip: z.number().int(), limit: z.number().int(), items: z.array(assetSchema) }),
);

export const offsetsOpenApi = toOpenApi(
  z.object({ id: z.string(), start_offset: z.number().int(), end_offset: z.number().int(), file_size: z.number().int() }),
);

export const problemOpenApi = toOpenApi(
  z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional(), code: z.string() }).catchall(z.unknown()),
);

const metadataFields = toOpenApi(assetMetadataSchema.extend({ tags: z.string().optional() })).properties ?? {};

export const createAssetOpenApi: SchemaObject = {
  type: 'object',
  properties: { source: { type: 'string', format: 'binary' }, ...metadataFields },
  required: ['source'],
};

export const startUploadOpenApi: SchemaObject = {
  type: 'object',
  properties: {
    upload_phase: { type: 'string', enum: ['start'] },
    file_size: { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^\\d+$' }] },
    label: { type: 'string', enum: ['Photo', 'Video', 'Audio', 'Document', 'File'] },
    original_name: { type: 'string' },
    ...metadataFields,
  },
  required: ['upload_phase', 'file_size'],
};

export const transferOpenApi: SchemaObject = {
  type: 'object',
  properties: {
    upload_phase: { type: 'string', enum: ['transfer', 'finish'] },
    file_chunk: { type: 'string', format: 'binary' },
    start_offset: { type: 'integer', minimum: 0 },
    original_name: { type: 'string' },
    checksum: { type: 'string', pattern: '^sha256:[A-Za-z0-9+/]{43}=$' },
    sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'finish only: the whole file' },
  },
  required: ['upload_phase'],
};

