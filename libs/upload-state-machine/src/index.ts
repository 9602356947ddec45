export * from './lib/upload-commands';
export * from './lib/upload-session';
export * from './lib/upload-state-machine';
