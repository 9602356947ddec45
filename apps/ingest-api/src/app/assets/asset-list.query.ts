import { assetLabelSchema, assetStatusSchema } from '@media/asset-model';
import { z } from 'zod';

export const MAX_LIST_LIMIT = 1000;
/** Deep offsets make the server walk and discard that many documents; past this, filter or sort instead. */
export const MAX_LIST_SKIP = 100_000;
/** Tags one filter may name (each is one more `$all` term). */
export const MAX_FILTER_TAGS = 20;
export const MAX_QUERY_LENGTH = 256;

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

/** `GET /assets` query parameters (SPEC §4). Anything out of range is a 400, never silently clamped. */
export const assetListQuerySchema = z.object({
  limit: single(z.coerce.number().int().min(1).max(MAX_LIST_LIMIT, `limit may be at most ${MAX_LIST_LIMIT}`).default(100)),
  skip: single(z.coerce.number().int().min(0).max(MAX_LIST_SKIP, `skip may be at most ${MAX_LIST_SKIP}`).default(0)),
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
    .transform((value) => [value ?? []].flat().flatMap((tag) => tag.split(',')).map((tag) => tag.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(64, 'a tag has at most 64 characters')).max(MAX_FILTER_TAGS, `a filter names at most ${MAX_FILTER_TAGS} tags`)),
  q: single(z.string().max(MAX_QUERY_LENGTH, `q has at most ${MAX_QUERY_LENGTH} characters`).optional()),
});
export type AssetListQuery = z.infer<typeof assetListQuerySchema>;
