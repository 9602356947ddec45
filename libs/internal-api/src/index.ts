export * from './lib/storage-api.contract';
export * from './lib/storage.client';
export * from './lib/storage-job.client';
export * from './lib/fanout-api.contract';
export * from './lib/fanout.client';
export * from './lib/ingest-api-internal.contract';
export * from './lib/asset-references.client';
