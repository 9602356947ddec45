import type { Request } from 'express';

/**
 * The named inputs of a request as one flat record keyed by their wire names, for a schema to check.
 * Only what is named is read, so an unexpected header or parameter never reaches the schema.
 */
export function requestInput(
  request: Request,
  names: { params?: readonly string[]; query?: readonly string[]; headers?: readonly string[] },
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const params = request.params as Record<string, unknown>;
  const query = request.query as Record<string, unknown>;
  for (const name of names.params ?? []) input[name] = params[name];
  for (const name of names.query ?? []) input[name] = query[name];
  for (const name of names.headers ?? []) input[name] = request.headers[name];
  return input;
}

/** A single-valued header as a string (Node joins repeated custom headers, but not all of them). */
export function headerValue(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
