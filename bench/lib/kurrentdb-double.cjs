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

const SOURCE_DIR = path.join(REPO_DIR, 'test', 'support', 'kurrentdb');

// The double is several modules (kurrentdb-double.ts and the double-*.ts it imports): all are
// compiled side by side so its relative imports resolve.
const loadKurrentDbDouble = () => {
  const { transformFileSync } = require('@swc/core');
  const outDir = path.join(ensureTmp(), 'kurrentdb');
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of fs.readdirSync(SOURCE_DIR)) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const { code } = transformFileSync(path.join(SOURCE_DIR, file), {
      swcrc: false,
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
    });
    fs.writeFileSync(path.join(outDir, file.replace(/\.ts$/, '.js')), code);
  }
  return require(path.join(outDir, 'kurrentdb-double.js'));
};

module.exports = { loadKurrentDbDouble };
