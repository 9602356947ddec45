/** Injection token of the validated storage configuration. */
export const STORAGE_CONFIG = Symbol('STORAGE_CONFIG');
