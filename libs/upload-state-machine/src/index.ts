export * from './lib/upload-state-machine';
