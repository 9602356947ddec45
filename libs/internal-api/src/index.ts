export * from './lib/storage-api.contract';
export * from './lib/storage.client';
export * from './lib/storage-job.client';
export * from './lib/fanout-api.contract';
export * from './lib/fanout.client';
