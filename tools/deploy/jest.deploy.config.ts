import type { Config } from 'jest';

/**
 * Deploy tier: reads what tools/deploy/validate.sh rendered into dist/deploy/ and holds it to the code
 * (config schemas, topic partitions, shutdown bounds). Not named jest.config.ts, so Nx infers no project
 * and the unit tier, which has no rendered manifests, does not pick it up.
 */
const config: Config = {
  displayName: 'deploy',
  preset: './jest.preset.js',
  rootDir: '../..',
  testMatch: ['<rootDir>/tools/deploy/**/*.deploy-spec.ts'],
};

export default config;
