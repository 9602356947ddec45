module.exports = {
  displayName: 'upload-state-machine',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/upload-state-machine',
};
