export * from './lib/asset-event.schema';
export * from './lib/asset.schema';
export * from './lib/asyncapi.document';
export * from './lib/processing-result.schema';
export * from './lib/topic.contracts';
export * from './lib/topics';
export * from './lib/image-format';
// The signature scheme lives in its own browser-safe lib so the client package can share it.
export * from '@media/webhook-signature';
export * from './lib/webhook-api.schema';
export * from './lib/query-params';
