import type { Config } from 'jest';

/**
 * End-to-end tier: the built services run as processes against a real Kafka broker and the
 * MongoDB-wire server; tests drive them over HTTP and Kafka as clients would.
 */
const config: Config = {
  displayName: 'e2e',
  preset: './jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/apps/suite-e2e/src/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/libs/testing/src/lib/jest/e2e-global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/lib/jest/e2e-global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 120_000,
};

export default config;
