'use strict';
/**
 * 13. Dose files (issue 13, file imports; ADR 0030): rows per second and CPU per row of
 * ImportDoses (what `npm run cli -- doses import` and POST /v1/doses/import call) on the embedded
 * default (PGlite in a new DATA_DIR, in the measuring process) and on PostgreSQL (the bench
 * database, schemas of its own). Each run, in a child process (bench/lib/dose-import-run.cjs):
 * one clinic stocked through the handlers; a file of distinct persons' first doses imported;
 * the same file again (every row a duplicate); and, to compare in the same run, as many doses of
 * other persons sent as commands through the same bulk path without a file or keys (what the
 * demo does).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ensureTmp, REPO_DIR, scaled } = require('../lib/env.cjs');
const { fixed } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');

const RATE_TARGET = 200;
const RUNNER = path.join(REPO_DIR, 'bench', 'lib', 'dose-import-run.cjs');

const measure = async (ctx, rows, databaseUrl) => {
  const dataDir = databaseUrl ? null : fs.mkdtempSync(path.join(ensureTmp(), 'dose-import-'));
  const env = { ...process.env, BENCH_IMPORT_ROWS: String(rows), LOG_LEVEL: 'silent' };
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS', 'EVENT_STORE', 'AUTH_MODE', 'PROJECTOR', 'DATA_DIR']) delete env[key];
  if (databaseUrl) env.BENCH_IMPORT_DATABASE_URL = databaseUrl;
  else env.BENCH_IMPORT_DATA_DIR = dataDir;
  let out = '';
  try {
    const child = spawn(process.execPath, [RUNNER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`dose-import run exited with ${code}: ${out.slice(-800)}`);
  } finally {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const result = JSON.parse(out.trim().split('\n').pop());
  const per = (phase) => ({ rate: (rows / phase.wallMs) * 1000, cpuMs: phase.cpuMs / rows });
  const summary = { adapter: result.adapter, first: per(result.first), again: per(result.again), commands: per(result.commands) };
  if (result.first.summary.recorded !== rows || result.again.summary.duplicates !== rows)
    throw new Error(`unexpected outcomes: ${JSON.stringify([result.first.summary, result.again.summary])}`);
  ctx.log(
    `${summary.adapter}: import ${fixed(summary.first.rate, 0)} rows/s (${fixed(summary.first.cpuMs, 2)} ms CPU/row), ` +
      `again ${fixed(summary.again.rate, 0)} rows/s (${fixed(summary.again.cpuMs, 2)}), ` +
      `commands ${fixed(summary.commands.rate, 0)}/s (${fixed(summary.commands.cpuMs, 2)})`,
  );
  return summary;
};

const run = async (ctx) => {
  const rows = scaled(5_000, ctx.scale, 200);
  const pglite = await measure(ctx, rows, null);
  const postgres = await measure(ctx, rows, ctx.url);
  const row = (r) => `${fixed(r.first.rate, 0)} rows/s (${fixed(r.first.cpuMs, 2)} ms CPU/row)`;
  return {
    parameters: [
      `A file of ${rows} rows (${rows} persons' first doses of one batch at one clinic, UTF-8 with BOM and CRLF) through ImportDoses in ` +
        'process, then the same file again, then as many other doses as commands through the same bulk path (RecordDoseHandler.handleMany, ' +
        'no keys). CPU = user + system time of the measuring process (with PGlite: the database too; with PostgreSQL: the client only).',
    ],
    rows: [
      {
        metric: 'dose file import, embedded default (PGlite)',
        measured: `${row(pglite)}; again ${fixed(pglite.again.rate, 0)} rows/s; commands ${fixed(pglite.commands.cpuMs, 2)} ms CPU/dose`,
        target: `≥ ${RATE_TARGET}/s`,
        status: pglite.first.rate >= RATE_TARGET ? 'MET' : 'MISSED',
        note: 'Every row carries an idempotency key (its column or a hash of the dose): one more row written per dose than the demo writes.',
      },
      {
        metric: 'dose file import, PostgreSQL',
        measured: `${row(postgres)}; again ${fixed(postgres.again.rate, 0)} rows/s; commands ${fixed(postgres.commands.cpuMs, 2)} ms CPU/dose`,
        target: `≥ ${RATE_TARGET}/s`,
        status: postgres.first.rate >= RATE_TARGET ? 'MET' : 'MISSED',
      },
    ],
    details: table(
      ['Store', 'Import rows/s', 'CPU ms/row', 'Re-import rows/s', 'CPU ms/row', 'Commands/s', 'CPU ms/dose'],
      [pglite, postgres].map((r) => [
        r.adapter,
        fixed(r.first.rate, 0),
        fixed(r.first.cpuMs, 2),
        fixed(r.again.rate, 0),
        fixed(r.again.cpuMs, 2),
        fixed(r.commands.rate, 0),
        fixed(r.commands.cpuMs, 2),
      ]),
    ),
  };
};

module.exports = { name: 'dose-import', title: 'Dose files: rows per second and CPU per row of an import, PGlite and PostgreSQL', run };
