export * from './lib/service-names';
export * from './lib/service-key';
export * from './lib/service-token';
export * from './lib/service-identity.config';
export * from './lib/service-auth.guard';
export * from './lib/service-identity.module';
