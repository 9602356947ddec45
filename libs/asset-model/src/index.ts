export * from './lib/asset-model';
