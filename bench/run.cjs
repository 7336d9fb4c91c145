#!/usr/bin/env node
'use strict';
/**
 * Vaxledger benchmarks.
 *
 *   node bench/run.cjs                 every suite, in order
 *   node bench/run.cjs append queries  only those suites
 *   BENCH_SCALE=0.1 node bench/run.cjs smoke run with a tenth of the events
 *
 * Creates a fresh database vx_bench_<timestamp> on DATABASE_URL's server, runs the suites,
 * drops the database and rewrites bench/RESULTS.md (see bench/README.md).
 */
const os = require('node:os');
const { settings } = require('./lib/env.cjs');
const { createBenchDatabase, dropBenchDatabase, databaseOf } = require('./lib/db.cjs');
const { machineInfo } = require('./lib/machine.cjs');
const { log, progress } = require('./lib/progress.cjs');
const { nowMs } = require('./lib/stats.cjs');
const results = require('./lib/results.cjs');
const { eventStoreLib, projectionsLib } = require('./lib/load.cjs');

const SUITES = [
  'append',
  'single-append',
  'rebuild',
  'queries',
  'http-doses',
  'sync',
  'history-pull',
  'kurrentdb',
  'embedded-start',
  'tamper-log',
  'embedded-doses',
  'kurrentdb-doses',
  'dose-import',
];

const usage = () =>
  [
    'usage: node bench/run.cjs [--baseline <git-ref>] [suite ...]',
    `suites: ${SUITES.join(', ')} (default: all, in this order)`,
    'env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_SCALE (default 1),',
    '     BENCH_KEEP_DB=1 keeps the vx_bench_* database, BENCH_PLAIN=1 prints lines instead of bars',
  ].join('\n');

const redactUrl = (url) => {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
};

/** The command as the user typed it (as far as we can tell), with the env vars that change the run. */
const commandLine = (args) => {
  const env = ['BENCH_SCALE', 'DATABASE_URL', 'BENCH_BASELINE', 'BENCH_TLOG_ROUNDS', 'BENCH_TLOG_POLL_MS', 'BENCH_TLOG_BUSY_SHARE']
    .filter((k) => process.env[k])
    .map((k) => `${k}=${k === 'DATABASE_URL' ? redactUrl(process.env[k]) : process.env[k]}`);
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  const base = viaNpm
    ? `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`
    : `node bench/run.cjs${args.length ? ` ${args.join(' ')}` : ''}`;
  return [...env, base].join(' ');
};

const main = async () => {
  const args = process.argv.slice(2);
  // --baseline <git-ref>: http-doses also measures that ref's code in the same run.
  const b = args.indexOf('--baseline');
  if (b >= 0) {
    if (!args[b + 1]) {
      console.error(`--baseline needs a git ref\n${usage()}`);
      return 2;
    }
    process.env.BENCH_BASELINE = args[b + 1];
    args.splice(b, 2);
  }
  if (args.includes('-h') || args.includes('--help')) {
    console.log(usage());
    return 0;
  }
  const unknown = args.filter((a) => !SUITES.includes(a));
  if (unknown.length) {
    console.error(`unknown suite(s): ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const chosen = args.length ? SUITES.filter((s) => args.includes(s)) : SUITES;
  const { databaseUrl, scale, keepDatabase } = settings();
  const command = commandLine(args);
  const runStart = nowMs();
  const date = new Date().toISOString();

  // Fail early, before creating anything, when the libraries are not compiled.
  eventStoreLib();
  projectionsLib();

  log('bench', `${command}`);
  log('bench', `suites: ${chosen.join(', ')} · BENCH_SCALE=${scale} · server ${redactUrl(databaseUrl)}`);
  const machine = await machineInfo(databaseUrl);
  log('bench', `${machine.cpu}, ${machine.cores} cores, ${machine.memory}, node ${machine.node}, ${machine.postgres.split(' on ')[0]}`);

  const db = await createBenchDatabase(databaseUrl);
  log('bench', `created database ${db.name}`);
  let dropped = false;
  const drop = async () => {
    if (dropped || keepDatabase) return;
    dropped = true;
    await dropBenchDatabase(databaseUrl, db.name);
    log('bench', `dropped database ${db.name}`);
  };
  // What the suites share; `cleanup` (if a suite set one) also runs on Ctrl-C, before the drop.
  const shared = {};
  const onSignal = (signal) => {
    log('bench', `${signal}: dropping ${db.name} and exiting`);
    Promise.resolve(shared.cleanup && shared.cleanup())
      .catch((e) => console.error(e))
      .then(drop)
      .catch((e) => console.error(e))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const sections = {};
  const failed = [];
  try {
    for (const name of chosen) {
      const suite = require(`./suites/${name}.cjs`);
      const ctx = {
        url: db.url,
        baseUrl: databaseUrl,
        database: databaseOf(db.url),
        scale,
        shared,
        lib: { eventStore: eventStoreLib, projections: projectionsLib },
        log: (message) => log(name, message),
        progress: (label, total, unit) => progress(name, label, total, unit),
        quietProgress: () => ({ tick() {}, done() {}, count: 0 }),
      };
      log('bench', `── ${name} ──`);
      const start = nowMs();
      const loadBefore = os.loadavg()[0];
      try {
        const section = await suite.run(ctx);
        const load = { before: loadBefore, after: os.loadavg()[0] };
        sections[name] = { ...section, date: new Date().toISOString(), scale, command, durationMs: nowMs() - start, machine, load };
        for (const row of section.rows)
          log(name, `${row.status.padEnd(6)} ${row.metric}: ${row.measured}${row.target !== '—' ? ` (target ${row.target})` : ''}`);
      } catch (error) {
        failed.push(name);
        log(name, `FAILED: ${error && error.stack ? error.stack : error}`);
      }
    }
  } finally {
    if (shared.cleanup) await Promise.resolve(shared.cleanup()).catch((e) => log('bench', `cleanup failed: ${e.message}`));
    await drop().catch((e) => log('bench', `could not drop ${db.name}: ${e.message}`));
    if (keepDatabase) log('bench', `kept database ${db.name} (BENCH_KEEP_DB=1)`);
  }

  const file = await results.save({
    machine,
    run: { date, command, scale, suites: chosen, failed, durationMs: nowMs() - runStart },
    sections,
  });
  log('bench', `wrote ${file} (${((nowMs() - runStart) / 1000).toFixed(0)} s in all)`);
  return failed.length ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
