import nx from '@nx/eslint-plugin';
import unicorn from 'eslint-plugin-unicorn';

// Libraries that do I/O. Pure projects (contracts, domain) must not reach for them, so the rule below
// keeps the state machine and the wire contract testable without servers.
const ioPackages = [
  '@nestjs/*',
  'kafkajs',
  'mongoose',
  'mongodb',
  'express',
  'busboy',
  'jose',
  'pino',
  'prom-client',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'fs',
  'net',
  'http',
  'https',
  'child_process',
];

// What a server is made of. The client package runs in browsers and in other people's programs: none of it.
const serverPackages = ['@nestjs/*', 'kafkajs', 'mongoose', 'mongodb', 'express', 'busboy', 'jose', 'pino', 'pino-http', 'nestjs-pino', 'prom-client', '@opentelemetry/*'];

const productionConstraints = [
  // Apps depend on libs, never on other apps; each app sees only its own scope and the shared one.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform', 'type:client'] },
  { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:ingest', 'scope:shared'] },
  { sourceTag: 'scope:storage', onlyDependOnLibsWithTags: ['scope:storage', 'scope:shared'] },
  { sourceTag: 'scope:encoder', onlyDependOnLibsWithTags: ['scope:encoder', 'scope:shared'] },
  { sourceTag: 'scope:fanout', onlyDependOnLibsWithTags: ['scope:fanout', 'scope:shared'] },
  // The client package and the CLI on it speak only the public API: the shared contracts, never a service's code.
  { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:client', 'scope:shared'] },
  { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: serverPackages },
  // Platform libs wrap infrastructure and may use the pure libs.
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform'] },
  // Pure libs: no I/O, no framework.
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'], bannedExternalImports: ioPackages },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: ioPackages },
  // End-to-end tests drive the running services from outside, as a client would: no app code.
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform', 'type:testing', 'type:client'] },
  // The testing lib starts real servers and may use everything except apps.
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:platform', 'type:testing'] },
];

// Tests of an app or lib may additionally use the testing lib; production code may not.
const testConstraints = productionConstraints.map((constraint) =>
  constraint.onlyDependOnLibsWithTags && constraint.sourceTag.startsWith('type:')
    ? { ...constraint, onlyDependOnLibsWithTags: [...new Set([...constraint.onlyDependOnLibsWithTags, 'type:testing'])] }
    : constraint,
);

const boundaries = (depConstraints) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    banTransitiveDependencies: false,
    allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
    depConstraints,
  },
];

const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/.cache', '**/webpack.config.js', '**/jest.config.cts'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(productionConstraints),
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: testFiles,
    rules: { '@nx/enforce-module-boundaries': boundaries(testConstraints) },
  },
  {
    // Kebab-case `<name>.<role>.ts` file names, checked rather than hoped for.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'tools/**/*.ts'],
    plugins: { unicorn },
    rules: { 'unicorn/filename-case': ['error', { case: 'kebabCase' }] },
  },
];
