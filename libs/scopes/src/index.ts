export * from './lib/scopes';
export * from './lib/access-token';
export * from './lib/bearer-auth.guard';
export * from './lib/direct-upload-token';
export * from './lib/verified-token.cache';
