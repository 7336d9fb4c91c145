'use strict';
/**
 * 11. Doses on the embedded default (issue 13, bulk part): `npm run demo` with no node on PORT
 * opens the node in its own process (PGlite in a new DATA_DIR) and calls its handlers. Runs the
 * built CLI (`dist/`) twice in the same run, on a new folder each: the bulk path (doses in
 * groups of 64 per transaction with set-based statements, RecordDoseHandler.handleMany) and
 * `--one-by-one` (every dose its own transaction, as a clinic's request). For each: doses per
 * second of the dose phase, CPU ms of the process per dose (PGlite runs in it, so this is the
 * whole cost and holds on a busy machine), and the time before the doses (organisations,
 * batches, shipments). The 50,000-dose demo is projected from the bulk rate and that set-up.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ensureTmp, REPO_DIR, scaled } = require('../lib/env.cjs');
const { nowMs, fixed } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');

const RATE_TARGET = 200;
const DEMO_DOSES = 50_000;
const DEMO_TARGET_S = 600;
const CLI = path.join(REPO_DIR, 'dist', 'apps', 'cli', 'src', 'main.js');

/** One demo in a child process on a new folder; the numbers come from its log. */
const demo = async (ctx, { doses, oneByOne, port }) => {
  const dataDir = fs.mkdtempSync(path.join(ensureTmp(), 'embedded-doses-'));
  const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS', 'EVENT_STORE', 'AUTH_MODE', 'PROJECTOR']) delete env[key];
  const args = [CLI, 'demo', '--doses', String(doses), ...(oneByOne ? ['--one-by-one'] : [])];
  const started = nowMs();
  let dosesFrom = null;
  let out = '';
  try {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      const text = String(chunk);
      out += text;
      if (dosesFrom === null && /demo: recording \d+ doses/.test(text)) dosesFrom = nowMs();
    });
    child.stderr.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`demo exited with ${code}: ${out.slice(-600)}`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const done = /(\d+) doses for \d+ persons \((\d+)\/s, ([\d.]+) ms CPU\/dose/.exec(out);
  if (!done || dosesFrom === null) throw new Error(`no summary in the demo's output: ${out.slice(-600)}`);
  const result = {
    doses: Number(done[1]),
    rate: Number(done[2]),
    cpuMs: Number(done[3]),
    setupS: (dosesFrom - started) / 1000,
    totalS: (nowMs() - started) / 1000,
  };
  ctx.log(
    `${oneByOne ? 'one by one' : 'bulk'}: ${result.doses} doses at ${result.rate}/s, ${fixed(result.cpuMs, 2)} ms CPU/dose; ` +
      `set-up ${fixed(result.setupS, 1)} s, whole demo ${fixed(result.totalS, 1)} s`,
  );
  return result;
};

const run = async (ctx) => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
  const doses = scaled(5_000, ctx.scale, 200);
  const bulk = await demo(ctx, { doses, oneByOne: false, port: 39241 });
  const single = await demo(ctx, { doses, oneByOne: true, port: 39242 });
  const projectedS = bulk.setupS + DEMO_DOSES / bulk.rate;
  return {
    parameters: [
      `The built CLI's \`demo --doses ${doses}\` with no node on PORT (in process, PGlite in a new DATA_DIR, projector inline), ` +
        'once through the bulk path and once with `--one-by-one`, one after the other. Rate = doses of the dose phase over its wall time; ' +
        'CPU = user + system time of the demo process (PGlite included) over the dose phase, per dose.',
    ],
    rows: [
      {
        metric: 'embedded doses/s, bulk path (demo, in process)',
        measured: `${bulk.rate}/s (${fixed(bulk.cpuMs, 2)} ms CPU/dose); one by one ${single.rate}/s (${fixed(single.cpuMs, 2)} ms CPU/dose), ${fixed(single.cpuMs / bulk.cpuMs, 1)}× the CPU`,
        target: `≥ ${RATE_TARGET}/s`,
        status: bulk.rate >= RATE_TARGET ? 'MET' : 'MISSED',
        note:
          "One thread does everything (Node and PGlite's WASM), so CPU per dose is the limit. Bulk: ~1.6 statements per dose " +
          '(one of each kind per group of 100); most SQL time is append_each (append_events and its guards, a subtransaction per dose). ' +
          "One by one: ~15 statements and a commit per dose. Without the embedded server's VACUUM (PGlite has no autovacuum) " +
          'append_each grew from ~0.2 to ~7 ms per dose by 15,000 doses.',
      },
      {
        metric: `${DEMO_DOSES.toLocaleString('en')}-dose demo, projected (set-up + doses at the bulk rate)`,
        measured: `${fixed(projectedS / 60, 1)} min (set-up ${fixed(bulk.setupS, 0)} s)`,
        target: `< ${DEMO_TARGET_S / 60} min`,
        status: projectedS < DEMO_TARGET_S ? 'MET' : 'MISSED',
      },
    ],
    details: table(
      ['Path', 'Doses', 'Doses/s', 'CPU ms/dose', 'Set-up (s)', 'Whole demo (s)'],
      [bulk, single].map((r, i) => [
        i === 0 ? 'bulk' : 'one by one',
        String(r.doses),
        String(r.rate),
        fixed(r.cpuMs, 2),
        fixed(r.setupS, 1),
        fixed(r.totalS, 1),
      ]),
    ),
  };
};

module.exports = { name: 'embedded-doses', title: 'The embedded default: doses per second of the demo, bulk and one by one', run };
