export * from './lib/scopes';
export * from './lib/access-token';
