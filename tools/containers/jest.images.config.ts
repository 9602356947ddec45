import type { Config } from 'jest';

/**
 * The short end-to-end pass against the suite booted from its images (`npm run images:up -- --check`,
 * which starts the containers and passes their addresses in E2E_* variables). No global setup: nothing
 * is started here. Not named jest.config.ts, so Nx infers no project from it.
 */
const config: Config = {
  displayName: 'images',
  preset: './jest.preset.js',
  rootDir: '../..',
  testMatch: ['<rootDir>/tools/containers/**/*.images-spec.ts'],
  maxWorkers: 1,
  testTimeout: 240_000,
};

export default config;
