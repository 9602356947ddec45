import { DomainError } from '@media/service-kit';
import type { z } from 'zod';

/** Parses untrusted input with a schema; failures become one 400 naming every offending field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, code = 'invalid_request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ field: issue.path.join('.') || null, message: issue.message }));
  throw new DomainError(
    400,
    code,
    'The request is invalid',
    errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '),
    { errors },
  );
}
