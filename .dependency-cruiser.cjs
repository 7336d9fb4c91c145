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
      name: 'projections-no-kafka',
      severity: 'error',
      from: { path: '^libs/projections/' },
      to: { path: ['^libs/sync/', 'node_modules/kafkajs/'] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|node_modules)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
