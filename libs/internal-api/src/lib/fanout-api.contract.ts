/**
 * Fanout's internal webhook API: the gateway authenticates the customer and forwards the request with the
 * tenant and actor it verified; fanout trusts those headers only from a caller holding a valid service token.
 */
export const FANOUT_HEADERS = {
  tenant: 'x-tenant',
  actor: 'x-actor',
} as const;

/** Prefix of every webhook route; the rest of the path is the public API's (`/:id`, `/:id/deliveries`, ...). */
export const FANOUT_WEBHOOKS_PATH = '/internal/webhooks';

/** The name under which fanout's callers address it in their service tokens (`aud`). */
export const FANOUT_AUDIENCE = 'fanout';
