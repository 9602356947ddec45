// The Node entry: everything of the browser entry plus uploads from a path, downloads to a file, and the
// resume store on disk that lets a new process continue an interrupted upload.
export * from './index';
export { defaultStateDir, FileResumeStore } from './lib/node/file-resume.store';
export { NodeMediaAssetsClient, type DownloadOptions, type DownloadProgress, type DownloadResult } from './lib/node/file-transfer';
