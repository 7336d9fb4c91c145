/* eslint-disable @typescript-eslint/no-require-imports */
// Runs once before every tier. Gives the tests a real PostgreSQL to talk to:
// - DATABASE_URL set (CI: the machine's PostgreSQL): a fresh database is created for this run;
// - not set: an in-memory PGlite is served on a loopback port through pglite-socket, so the
//   same pg code runs against it.
// Then, for integration and e2e tiers, a real Kafka broker (deploy/local/kafka) unless
// KAFKA_BROKERS is set.
const { Client } = require('pg');
const path = require('node:path');
const fs = require('node:fs');

// Loads one self-contained TypeScript module (no path aliases) outside jest's transform.
const requireTypeScript = (file) => {
  const Module = require('node:module');
  const { transformFileSync } = require('@swc/core');
  const { code } = transformFileSync(file, {
    swcrc: false,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(code, file);
  return mod.exports;
};

const wantsTier = (tier) => {
  const argv = process.argv.join(' ');
  if (!argv.includes('--selectProjects')) return true;
  return argv.includes(tier);
};

async function setupPostgres() {
  const base = process.env.DATABASE_URL;
  if (base) {
    const dbName = `vx_test_${Date.now()}_${process.pid}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    process.env.TEST_DATABASE_URL = url.toString();
    process.env.TEST_DATABASE_KIND = 'postgres';
    globalThis.__VX_DROP_DB__ = { base, dbName };
    console.log(`\n[test] PostgreSQL database ${dbName} on ${url.host}`);
    return;
  }
  // CI runs every tier on the machine's PostgreSQL, then the int and e2e tiers again on PGlite
  // (TEST_ENGINE=pglite), the engine of the README's `npm test` on a fresh machine.
  if (process.env.CI === 'true' && process.env.TEST_ENGINE !== 'pglite') {
    throw new Error('CI=true but DATABASE_URL is not set: integration tests must run against real PostgreSQL');
  }
  // The product's own embedded server (TypeScript, compiled here with swc).
  const { startEmbeddedPostgres } = requireTypeScript(path.join(__dirname, '../../libs/event-store/src/postgres/pglite-server.ts'));
  const embedded = await startEmbeddedPostgres({
    maxConnections: 128,
    // A test that sends a statement on a second connection inside a transaction hangs on PGlite: name it.
    onStall: {
      afterMs: 10_000,
      report: (stall) => console.error(`\n[test] PGlite: statements waited ${stall.waitedMs} ms behind an open transaction`, stall),
    },
  });
  process.env.TEST_DATABASE_URL = embedded.url;
  process.env.TEST_DATABASE_KIND = 'pglite';
  globalThis.__VX_PGLITE__ = embedded;
  console.log(`\n[test] DATABASE_URL not set: PGlite in memory at ${embedded.url}`);
}

async function setupKafka() {
  if (process.env.KAFKA_BROKERS) {
    process.env.TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    return;
  }
  const script = path.join(__dirname, 'kafka-broker.cjs');
  if (!fs.existsSync(script)) return;
  if (!wantsTier('int') && !wantsTier('e2e')) return;
  const { startBroker } = require(script);
  const broker = await startBroker();
  process.env.TEST_KAFKA_BROKERS = broker.brokers;
  globalThis.__VX_KAFKA__ = broker;
}

module.exports = async () => {
  await setupPostgres();
  await setupKafka();
};
