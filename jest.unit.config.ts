import type { Config } from 'jest';
import { getJestProjectsAsync } from '@nx/jest';

/** Unit tier: every project's `*.spec.ts`, pure and fast, no servers. */
export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
});
