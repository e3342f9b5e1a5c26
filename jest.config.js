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
  // The batches of test/batches/ run the specs (`*.spec.ts`, test/helpers/batches.ts), a few module
  // registries for the whole suite; `npm run test:spec -- <pattern>` runs specs as files of their own.
  testMatch: ['**/*.test.ts'],
  transform: {
    // A test's `await import()` stays an import, which Jest runs with --experimental-vm-modules:
    // the way to load the client libraries published only as ES modules (apollo-upload-client).
    '^.+\\.(test|spec)\\.ts$': ['@swc/jest', { ...swc, module: { ...swc.module, ignoreDynamic: true } }],
    '^.+\\.ts$': ['@swc/jest', swc],
  },
  setupFiles: ['reflect-metadata'],
  // Prepares one database per run that every test's database copies (test/helpers/prepared-database.ts).
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 30_000,
  // On a 2-core machine: the specs also wait (for timers, deliveries, child processes), and a third
  // batch at a time fills those waits (the embedded suite: 294 s with two, 235 s with three).
  maxWorkers: 3,
};
