// The browser-safe entry: no Node built-ins here (path uploads and the resume store on disk are in `./node`).
export * from './lib/api.types';
export type { paths, operations } from './lib/generated/openapi.types';
export { MediaAssetsError, UploadIntegrityError, type Problem } from './lib/http/problem.error';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './lib/http/retry.policy';
export type { TransportOptions } from './lib/http/transport';
export type { RetryNotice } from './lib/http/with-retries';
export { MediaAssetsClient, type CallOptions, type MediaAssetsClientOptions } from './lib/media-assets.client';
export type { UploadSource } from './lib/upload/chunk-source';
export { MemoryResumeStore, type ResumeEntry, type ResumeStore } from './lib/upload/resume.store';
export { DEFAULT_CHUNK_SIZE, DEFAULT_RESUMABLE_THRESHOLD, type UploadMode } from './lib/upload/upload.plan';
export type { UploadOptions, UploadProgress } from './lib/upload/uploader';
export { verifyWebhook, type HeaderSource, type VerifyWebhookOptions } from './lib/webhooks/verify-webhook';
