export * from './lib/bootstrap/create-service';
export * from './lib/bootstrap/service-kit.module';
export * from './lib/config/load-config';
export * from './lib/health/health.module';
export * from './lib/metrics/metrics.module';
export * from './lib/problem/domain-error';
export * from './lib/problem/problem-details.filter';
