const path = require('node:path');
// One jest project per test tier, so each tier runs alone (npm run test:unit|test:int|test:e2e)
// and `npm test` runs them all. Nest 12 ships ESM, which jest cannot require on Node 20, so
// @swc/jest transforms those packages too (transformIgnorePatterns lets them through).
const swcConfig = {
  swcrc: false,
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
const moduleNameMapper = {
  '^@vaxledger/(domain|event-store|projections|sync|config|privacy|application)$': '<rootDir>/libs/$1/src/index.ts',
  // The console's narrow imports of the domain (console/vite.config.mjs has the same aliases).
  '^@vaxledger/domain/identifiers$': '<rootDir>/libs/domain/src/identifiers/index.ts',
  '^@vaxledger/domain/aefi$': '<rootDir>/libs/domain/src/aefi/aefi.events.ts',
};
const common = {
  transform: { '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@electric-sql|jose)/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  setupFilesAfterEnv: ['<rootDir>/test/support/jest.setup.ts'],
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
};
// The official client's own stream tests (test/upstream/eventstore-client, see its README)
// against the KurrentDB double: upstream's layout, with a shim only for how a node starts.
const upstream = path.join(__dirname, 'test/upstream/eventstore-client');
const upstreamClientTests = {
  ...common,
  displayName: 'int',
  rootDir: upstream,
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  moduleNameMapper: { '^@test-utils$': '<rootDir>/src/utils/index.ts' },
  setupFilesAfterEnv: ['<rootDir>/src/utils/setup.ts'],
};
module.exports = {
  // Jest reads testTimeout from the top level only (a project's own is ignored): on two cores
  // jest runs every file in one process, and a hook or test that needs a second more than the
  // 5 s default under that load (a store's migration on the shared PGlite session) is not broken.
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['**/*.int.spec.ts'], slowTestThreshold: 30 },
    upstreamClientTests,
    { ...common, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'], slowTestThreshold: 60 },
  ],
};
