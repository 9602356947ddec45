/**
 * `If-Match` as RFC 9110 writes it: `*`, or a comma-separated list of entity tags (`"v"` or `W/"v"`).
 * The same pattern is in the OpenAPI document, so a client learns the rule the server applies.
 */
export const IF_MATCH_PATTERN = '^\\s*(\\*|(W/)?"[\\x21\\x23-\\x7e]*"(\\s*,\\s*(W/)?"[\\x21\\x23-\\x7e]*")*)\\s*$';
const IF_MATCH = new RegExp(IF_MATCH_PATTERN);

/** `any` for `*`, the listed tags, or null when the header is not an If-Match value at all. */
export function parseIfMatch(header: string): 'any' | string[] | null {
  if (!IF_MATCH.test(header)) return null;
  if (header.trim() === '*') return 'any';
  return header.split(',').map((tag) => tag.trim());
}
