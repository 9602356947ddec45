export * from './lib/scopes';
