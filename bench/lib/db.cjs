'use strict';
/**
 * The run's own database: `vx_bench_<timestamp>` on the server named by DATABASE_URL,
 * created at the start and dropped at the end, so nothing of a run survives it and
 * nothing of the developer's databases is touched.
 */
const { Client } = require('pg');

/** The same server and credentials as `url`, another database, optional extra query params. */
const withDatabase = (url, database, params = {}) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  for (const [key, value] of Object.entries(params)) u.searchParams.set(key, value);
  return u.toString();
};

/** A connection string whose sessions run with the given GUCs (`-c name=value`). */
const withSettings = (url, gucs) => {
  const u = new URL(url);
  const existing = u.searchParams.get('options');
  const extra = Object.entries(gucs)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  u.searchParams.set('options', existing ? `${existing} ${extra}` : extra);
  return u.toString();
};

const databaseOf = (url) => decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';

const query = async (url, sql, params) => {
  const client = new Client({ connectionString: url, application_name: 'vaxledger-bench' });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
};

const timestampName = (date = new Date()) =>
  date
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);

/** Creates a fresh database; returns its name and URL. */
const createBenchDatabase = async (baseUrl) => {
  const name = `vx_bench_${timestampName()}_${process.pid}`;
  await query(baseUrl, `CREATE DATABASE ${name}`);
  return { name, url: withDatabase(baseUrl, name) };
};

const dropBenchDatabase = async (baseUrl, name) => {
  if (!/^vx_bench_[0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}: not a bench database`);
  await query(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
};

/** Server version and the settings that matter most for write throughput. */
const serverInfo = async (url) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const version = (await client.query('SELECT version() AS v')).rows[0].v;
    const settings = {};
    for (const name of [
      'server_version',
      'shared_buffers',
      'synchronous_commit',
      'fsync',
      'wal_level',
      'max_wal_size',
      'max_connections',
    ]) {
      settings[name] = (await client.query(`SHOW ${name}`)).rows[0][name];
    }
    return { version, settings };
  } finally {
    await client.end();
  }
};

/** Flushes dirty buffers so one measurement does not pay for the previous one's writes. */
const checkpoint = async (url) => {
  try {
    await query(url, 'CHECKPOINT');
  } catch {
    // Not a superuser: measure without the checkpoint.
  }
};

/**
 * Leaves the server quiet before a timed phase: vacuums what the previous phase wrote (so
 * autovacuum does not wake up in the middle of the next one) and checkpoints.
 */
const settle = async (url, relations = []) => {
  if (relations.length) await query(url, `VACUUM (ANALYZE) ${relations.join(', ')}`);
  await checkpoint(url);
};

module.exports = { settle, withDatabase, withSettings, databaseOf, query, createBenchDatabase, dropBenchDatabase, serverInfo, checkpoint };
