// Two projects: unit (no root, no kernel) and integration (real containers, as root; run in band).
const tsJest = ['ts-jest', { isolatedModules: true, diagnostics: false }];
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      testEnvironment: 'node',
    },
  ],
};
