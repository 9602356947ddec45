import { DomainError } from '@media/service-kit';

/** Another tenant's asset and a missing one look exactly alike (SPEC §2). */
export const assetNotFound = (id: string) => new DomainError(404, 'asset_not_found', 'Asset not found', `no asset ${id.slice(0, 64)}`);

export const missingField = (field: string, detail = `"${field}" is required`) =>
  new DomainError(400, 'missing_field', 'Missing field', detail, { field });

export const invalidPhase = (phase: string | undefined, allowed: string[]) =>
  new DomainError(
    400,
    phase === undefined ? 'missing_field' : 'invalid_upload_phase',
    'Invalid upload phase',
    `upload_phase must be ${allowed.map((p) => `"${p}"`).join(' or ')}`,
    { field: 'upload_phase' },
  );

export const checksumMismatch = (detail: string) => new DomainError(400, 'checksum_mismatch', 'Checksum mismatch', detail);

export const preconditionFailed = () =>
  new DomainError(412, 'precondition_failed', 'Precondition failed', 'the asset changed since the ETag in If-Match was issued');

/** The asset's events wait for Kafka and this change would add more than the outbox keeps per asset. */
export const pendingEventsLimit = (limit: number) =>
  new DomainError(
    429,
    'pending_events_limit',
    'Too many unpublished changes',
    `the asset already has ${limit} changes waiting to be published as events; retry later`,
    { limit },
    { 'Retry-After': '30' },
  );

/** Compare-and-set kept losing to concurrent writers: the client may simply retry. */
export const tooMuchContention = () =>
  new DomainError(409, 'concurrent_modification', 'Concurrent modification', 'the asset is being changed concurrently; retry');
