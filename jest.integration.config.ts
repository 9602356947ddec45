import type { Config } from 'jest';

/**
 * Integration tier: services and libs against a real Kafka broker and a real MongoDB-wire server,
 * started once for the run (or taken from MONGODB_URI / KAFKA_BROKERS).
 */
const config: Config = {
  displayName: 'integration',
  preset: './jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.int-spec.ts'],
  globalSetup: '<rootDir>/libs/testing/src/lib/jest/integration-global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/lib/jest/integration-global-teardown.ts',
  // Two cores are shared with the broker and the database: one worker keeps timings honest.
  maxWorkers: 1,
  testTimeout: 60_000,
};

export default config;
