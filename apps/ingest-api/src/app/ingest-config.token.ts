/** Injection token of the validated ingest-api configuration. */
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');
