/** @type {import('jest').Config} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // A test file's `await import()` stays an import, which Jest runs with --experimental-vm-modules:
    // the way to load the client libraries published only as ES modules (apollo-upload-client).
    '^.+\\.test\\.ts$': ['@swc/jest', { ...swc, module: { ...swc.module, ignoreDynamic: true } }],
    '^.+\\.ts$': ['@swc/jest', swc],
  },
  setupFiles: ['reflect-metadata'],
  // Prepares one database per run that every test's database copies (test/helpers/prepared-database.ts).
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 30_000,
  // Each file starts its own app and database; two files at a time suit a 2-core machine.
  maxWorkers: 2,
};
