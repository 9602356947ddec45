import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  { ignores: ['src/lib/generated/**'] },
  {
    // The browser entry runs where Node built-ins do not exist; only src/node.ts and src/lib/node/ may use them.
    files: ['src/**/*.ts'],
    ignores: ['src/node.ts', 'src/lib/node/**', 'src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'stream', 'stream/*', 'http', 'https', 'net', 'crypto', 'child_process'], message: 'the browser entry of the client has no Node built-ins: put Node-only code under src/lib/node/' }] }],
    },
  },
];
