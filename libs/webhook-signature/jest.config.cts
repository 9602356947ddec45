module.exports = {
  displayName: 'webhook-signature',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/webhook-signature',
};
