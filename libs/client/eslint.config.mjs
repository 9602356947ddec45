import baseConfig from '../../eslint.config.mjs';

const browserOnly = 'the browser entry of the client has no Node built-ins: put Node-only code under src/lib/node/';

export default [
  ...baseConfig,
  { ignores: ['src/lib/generated/**'] },
  {
    // The browser entry runs where Node built-ins do not exist; only src/node.ts and src/lib/node/ may use them.
    files: ['src/**/*.ts'],
    ignores: ['src/node.ts', 'src/lib/node/**', 'src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'fs/promises', 'path', 'os', 'stream', 'stream/web', 'stream/promises', 'http', 'https', 'net', 'crypto', 'child_process', 'buffer'].map((name) => ({ name, message: browserOnly })),
          patterns: [{ group: ['node:*'], message: browserOnly }],
        },
      ],
    },
  },
];
