export * from './lib/webhook-signature';
