import { z } from 'zod';

/**
 * A whole-number query parameter (`?limit=50`): digits only, so `limit=`, `limit=1e3` or `limit= 5` are
 * refused rather than read as 0 or 1000 the way `Number()` would; absent, it takes the default.
 */
export const wholeNumberParam = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max, `may be at most ${max}`))
    .default(fallback);
