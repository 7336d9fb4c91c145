'use strict';
/**
 * Loads the KurrentDB TEST DOUBLE (test/support/kurrentdb/kurrentdb-double.ts: an in-memory
 * gRPC server speaking the real server's wire protocol, not a database) for the kurrentdb
 * suite: compiled with swc into bench/.tmp, since the benchmarks run on compiled code.
 * What it measures is the adapter's and client's overhead, never KurrentDB's own speed.
 */
const fs = require('node:fs');
const path = require('node:path');
const { REPO_DIR, ensureTmp } = require('./env.cjs');

const SOURCE = path.join(REPO_DIR, 'test', 'support', 'kurrentdb', 'kurrentdb-double.ts');

const loadKurrentDbDouble = () => {
  const { transformFileSync } = require('@swc/core');
  const out = path.join(ensureTmp(), 'kurrentdb-double.js');
  const { code } = transformFileSync(SOURCE, {
    swcrc: false,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  fs.writeFileSync(out, code);
  return require(out);
};

module.exports = { loadKurrentDbDouble };
