import { assetLabelSchema, assetStatusSchema, wholeNumberParam } from '@media/asset-model';
import { z } from 'zod';

export const MAX_LIST_LIMIT = 1000;

const SORTS = {
  created_on: { field: 'created_on', direction: 1 },
  '-created_on': { field: 'created_on', direction: -1 },
  changed_on: { field: 'changed_on', direction: 1 },
  '-changed_on': { field: 'changed_on', direction: -1 },
  name: { field: 'name', direction: 1 },
  '-name': { field: 'name', direction: -1 },
} as const;

/** A repeated query parameter (`?limit=1&limit=2`) counts once: the last one wins, as in most servers. */
const single = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (Array.isArray(value) ? value.at(-1) : value), schema);

/** `GET /assets` query parameters. Anything out of range is a 400, never silently clamped. */
export const assetListQuerySchema = z.object({
  limit: single(wholeNumberParam(1, MAX_LIST_LIMIT, 100)),
  skip: single(wholeNumberParam(0, Number.MAX_SAFE_INTEGER, 0)),
  sort: single(
    z
      .enum(Object.keys(SORTS) as [keyof typeof SORTS, ...(keyof typeof SORTS)[]])
      .default('-created_on')
      .transform((key) => SORTS[key]),
  ),
  label: single(assetLabelSchema.optional()),
  status: single(assetStatusSchema.optional()),
  reference_id: single(z.string().max(256).optional()),
  // `tags=a,b` or `tags=a&tags=b`: the asset must carry all of them.
  tags: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => [value ?? []].flat().flatMap((tag) => tag.split(',')).map((tag) => tag.trim()).filter(Boolean)),
  q: single(z.string().max(256).optional()),
});
export type AssetListQuery = z.infer<typeof assetListQuerySchema>;
