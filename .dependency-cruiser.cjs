// Imports run apps → libs → libs/domain, and the domain stays pure. CI fails on a violation.
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'libs/domain holds facts and rules only: no framework, database, broker or other lib',
      from: { path: '^libs/domain/' },
      to: {
        path: [
          '^apps/',
          '^libs/(?!domain/)',
          'node_modules/(@nestjs|typeorm|kafkajs|pg|pg-[a-z-]+|@eventstore|@electric-sql|protobufjs|express|pino)/',
        ],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      comment: 'deciders take the world as input: no file, network or process access in the domain',
      from: { path: '^libs/domain/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['core'], path: '^(fs|net|http|https|child_process|dgram|tls|cluster|worker_threads)$' },
    },
    { name: 'libs-never-import-apps', severity: 'error', from: { path: '^libs/' }, to: { path: '^apps/' } },
    {
      name: 'application-knows-no-transport',
      severity: 'error',
      comment: 'libs/application holds use cases any entry point calls: no Nest, Express or HTTP types (ADR 0010)',
      from: { path: '^libs/application/' },
      to: { path: ['^apps/', 'node_modules/(@nestjs|express|@types/express|body-parser|supertest|class-validator|class-transformer)/'] },
    },
    {
      name: 'application-transport-free-core',
      severity: 'error',
      comment: 'no HTTP server or client modules in the application layer either',
      from: { path: '^libs/application/' },
      to: { dependencyTypes: ['core'], path: '^(http|https|http2)$' },
    },
    {
      name: 'only-apps-call-the-application',
      severity: 'error',
      comment: 'the application layer sits above every other lib: only apps (entry points) import it',
      from: { path: '^libs/(?!application/)' },
      to: { path: '^libs/application/' },
    },
    {
      name: 'projections-no-kafka',
      severity: 'error',
      from: { path: '^libs/projections/' },
      to: { path: ['^libs/sync/', 'node_modules/kafkajs/'] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in the graph (not followed), so rules on packages can fire.
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
