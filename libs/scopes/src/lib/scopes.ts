/** The scope vocabulary: the seed's three plus `webhooks` for subscription management. */
export const SCOPES = ['assets', 'assets_publish', 'assets_delete', 'webhooks'] as const;
export type Scope = (typeof SCOPES)[number];

const known = new Set<string>(SCOPES);

export function isScope(value: string): value is Scope {
  return known.has(value);
}

/**
 * Reads scopes from a token claim: OAuth's space-separated `scope` string or an array (`scp`, `scopes`).
 * Unknown entries are dropped rather than rejected so that an identity provider may add its own.
 */
export function parseScopes(claim: unknown): Scope[] {
  const entries = typeof claim === 'string' ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [];
  const scopes = entries.filter((entry): entry is Scope => typeof entry === 'string' && isScope(entry));
  return [...new Set(scopes)];
}

/** The scopes a route needs that the caller lacks; empty means allowed. Scopes do not imply each other. */
export function missingScopes(granted: readonly Scope[], required: readonly Scope[]): Scope[] {
  return required.filter((scope) => !granted.includes(scope));
}

/** Who is calling: a tenant, a subject within it, and what they may do. */
export interface Principal {
  tenant: string;
  subject: string;
  scopes: readonly Scope[];
}
