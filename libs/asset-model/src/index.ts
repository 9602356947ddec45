export * from './lib/asset-event.schema';
export * from './lib/asset.schema';
export * from './lib/asyncapi.document';
export * from './lib/processing-result.schema';
export * from './lib/topic.contracts';
export * from './lib/topics';
export * from './lib/webhook-signature';
export * from './lib/image-format';
