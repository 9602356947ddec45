export * from './lib/asset-event.schema';
export * from './lib/asset.schema';
export * from './lib/topics';
export * from './lib/webhook-signature';
