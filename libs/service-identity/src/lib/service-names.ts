/** The services that call or are called over the internal network; a token's `iss`/`sub` and `aud` are these. */
export const SERVICE_NAMES = ['ingest-api', 'storage', 'encoder', 'fanout'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(value: unknown): value is ServiceName {
  return typeof value === 'string' && (SERVICE_NAMES as readonly string[]).includes(value);
}
