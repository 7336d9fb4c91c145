'use strict';
/**
 * 12. Doses on a node whose log is in KurrentDB, guard rows on vs off (ADR 0029).
 *
 * Two nodes, each a child process (bench/lib/kurrentdb-node.cjs) with its own KurrentDB TEST
 * DOUBLE in it and its own PostgreSQL database (read models, vault, guard rows): one with
 * KURRENTDB_GUARDS=on (reserve the stock by event id, append, confirm from $all: no site lock,
 * no projector wait), one with KURRENTDB_GUARDS=off (ADR 0004: per-site lock, wait for the
 * projector to reach the log head, check the read models). Both get the same master data (one
 * clinic stocked with one batch) and the same doses: dose 1 for a new person each, 8 concurrent
 * callers of the dose handler, all at that one clinic.
 *
 * Rounds alternate between the nodes (on off, off on, …) so the shared machine's load falls on
 * both alike. Per node: doses per second of wall time, the node process's CPU per dose (the
 * double and the projector thread included: client-side figures, ADR 0007, not a KurrentDB
 * cluster's) and the CPU per dose of the PostgreSQL backends of its own database (pg_stat_activity
 * + /proc); the CPU of every postgres process on the server is beside it for comparison.
 */
const path = require('node:path');
const { fork } = require('node:child_process');
const { REPO_DIR, scaled } = require('../lib/env.cjs');
const { query, withDatabase } = require('../lib/db.cjs');
const { fixed, int, ms, seconds } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');
const { cpuSnapshot, databaseCpu, databaseCpuDelta } = require('../lib/http-probes.cjs');

const ROUNDS = 4;
const FULL_PER_ROUND = 300;
const CLIENTS = 8;
/** Stock left at the clinic after every dose: the end check expects exactly this. */
const LEFT_OVER = 100;
/** The phase timers of bench/lib/kurrentdb-node.cjs, by the names it reports. */
const PHASES = {
  lock: 'site lock: wait + whole command under it',
  wait: 'projector wait (runner.waitFor)',
  read: 'store.readStream(person) (KurrentDB)',
  vault: 'vault.storeDetails()',
  append: 'store.append()',
};

const startNode = (url, guards) =>
  new Promise((resolve, reject) => {
    const child = fork(path.join(REPO_DIR, 'bench', 'lib', 'kurrentdb-node.cjs'), [], {
      cwd: REPO_DIR,
      env: { ...process.env, BENCH_KDB_DATABASE_URL: url, BENCH_KDB_GUARDS: guards, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pending = [];
    let failed = null;
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolve({
          child,
          guards: message.guards,
          ask: (msg, answerType) =>
            new Promise((res, rej) => {
              if (failed) return rej(failed);
              pending.push({ answerType, res, rej });
              child.send(msg);
            }),
        });
        return;
      }
      if (message.type === 'error') {
        const error = new Error(`KurrentDB node (guards ${guards}): ${message.message}`);
        for (const p of pending.splice(0)) p.rej(error);
        return;
      }
      const i = pending.findIndex((p) => p.answerType === message.type);
      if (i >= 0) pending.splice(i, 1)[0].res(message);
    });
    child.once('exit', (code) => {
      failed = new Error(`KurrentDB node (guards ${guards}) exited with code ${code}`);
      for (const p of pending.splice(0)) p.rej(failed);
      reject(failed);
    });
  });

const stopNode = async (node) => {
  if (node.child.exitCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  const outcome = await Promise.race([
    node.ask({ type: 'stop' }, 'stopped').then(
      () => exited,
      () => exited,
    ),
    timeout,
  ]);
  if (outcome === 'timeout') {
    node.child.kill('SIGKILL');
    await exited;
  }
};

const perDose = (total, doses) => (doses ? total / doses : NaN);

const run = async (ctx) => {
  const perRound = scaled(FULL_PER_ROUND, ctx.scale, 40);
  const warmup = 2 * CLIENTS;
  const quantity = warmup + ROUNDS * perRound + LEFT_OVER;
  // One database per node, beside the run's own (dropped at the end, also on Ctrl-C).
  const sides = ['on', 'off'].map((guards, i) => {
    const database = `${ctx.database}_${i + 1}`;
    return {
      guards,
      database,
      url: withDatabase(ctx.url, database),
      node: null,
      next: 0,
      doses: 0,
      ms: 0,
      cpuMs: 0,
      pgMs: 0,
      allPgMs: 0,
      phases: {},
    };
  });
  const dropAll = async () => {
    for (const side of sides) {
      if (side.node) await stopNode(side.node).catch(() => undefined);
      side.node = null;
      await query(ctx.baseUrl, `DROP DATABASE IF EXISTS ${side.database} WITH (FORCE)`);
    }
  };
  const previousCleanup = ctx.shared.cleanup;
  ctx.shared.cleanup = async () => {
    await dropAll();
    if (previousCleanup) await previousCleanup();
  };
  const rounds = [];
  try {
    for (const side of sides) {
      await query(ctx.baseUrl, `CREATE DATABASE ${side.database}`);
      ctx.log(`starting the node with guards ${side.guards} on ${side.database}, seeding ${int(quantity)} doses of stock`);
      side.node = await startNode(side.url, side.guards);
      if (side.node.guards !== (side.guards === 'on'))
        throw new Error(`KURRENTDB_GUARDS=${side.guards} but the store says capabilities.guards = ${side.node.guards}`);
      await side.node.ask({ type: 'seed', quantity }, 'seeded');
    }
    const round = async (side, count) => {
      const from = side.next;
      side.next += count;
      const own = await databaseCpu(ctx.url, side.database);
      const all = cpuSnapshot();
      const r = await side.node.ask({ type: 'round', from, count, clients: CLIENTS }, 'round');
      const allAfter = cpuSnapshot();
      const ownSeconds = databaseCpuDelta(own, await databaseCpu(ctx.url, side.database));
      if (r.failures.length) throw new Error(`guards ${side.guards}: ${r.failures.length} of ${count} doses failed, e.g. ${r.failures[0]}`);
      return {
        ...r,
        pgMs: ownSeconds === null ? NaN : ownSeconds * 1000,
        allPgMs: all && allAfter ? (allAfter.pg - all.pg) * 1000 : NaN,
      };
    };
    ctx.log(`warm-up: ${warmup} doses per node (not counted)`);
    for (const side of sides) await round(side, warmup);
    for (let i = 0; i < ROUNDS; i++) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        const r = await round(side, perRound);
        side.doses += perRound;
        side.ms += r.ms;
        side.cpuMs += r.cpuMs;
        side.pgMs += r.pgMs;
        side.allPgMs += r.allPgMs;
        for (const [name, t] of Object.entries(r.phases)) {
          const sum = side.phases[name] ?? { count: 0, ms: 0 };
          sum.count += t.count;
          sum.ms += t.ms;
          side.phases[name] = sum;
        }
        rounds.push({ round: i + 1, guards: side.guards, doses: perRound, ...r });
        ctx.log(
          `round ${i + 1}, guards ${side.guards}: ${perRound} doses in ${ms(r.ms)} = ${int((perRound * 1000) / r.ms)}/s; ` +
            `node CPU ${fixed(r.cpuMs / perRound, 2)} ms/dose, its PostgreSQL backends ${fixed(r.pgMs / perRound, 2)} ms/dose ` +
            `(all postgres processes ${fixed(r.allPgMs / perRound, 2)})`,
        );
      }
    }
    // Both nodes recorded every dose: the same work on each side.
    for (const side of sides) {
      const { available } = await side.node.ask({ type: 'check' }, 'check');
      if (available !== LEFT_OVER) throw new Error(`guards ${side.guards}: ${available} doses left at the clinic, expected ${LEFT_OVER}`);
    }
  } finally {
    await dropAll().catch((e) => ctx.log(`could not drop the nodes' databases: ${e.message}`));
    ctx.shared.cleanup = previousCleanup;
  }

  const [on, off] = sides;
  const rate = (s) => (s.doses * 1000) / s.ms;
  const summary = (s) =>
    `${int(rate(s))} doses/s; node CPU ${fixed(perDose(s.cpuMs, s.doses), 2)} ms/dose; PostgreSQL ${fixed(perDose(s.pgMs, s.doses), 2)} ms/dose`;
  /** Mean ms per call of a timed phase (waits included), or null when the path does not call it. */
  const phase = (s, name) => {
    const t = s.phases[name];
    return t && t.count > 0 ? { mean: t.ms / t.count, perDose: t.count / s.doses } : null;
  };
  const phaseMs = (s, name) => {
    const p = phase(s, name);
    return p ? ms(p.mean) : 'n/a';
  };
  const caveat = 'test double, client side only';
  return {
    parameters: [
      'Two nodes with EVENT_STORE=kurrentdb, each a child process with its own in-process KurrentDB test double (test/support/kurrentdb: in memory, answers at once) and its own PostgreSQL database; ' +
        'KURRENTDB_GUARDS=on (ADR 0029: reserve by event id, append, confirm from $all) and off (ADR 0004: site lock, projector wait, read-model checks). Projector in a worker thread (the server default).',
      `Each node: one clinic stocked with one batch through the HTTP API; then ${warmup} warm-up doses and ${ROUNDS} rounds of ${int(perRound)} doses (dose 1, a new person each), ` +
        `${CLIENTS} concurrent callers of the dose handler (app.recordDose.handle, no HTTP), rounds alternating between the nodes (on off, off on, …). At the end both clinics must have exactly ${LEFT_OVER} doses left.`,
      "Node CPU = user + system time of the node process (its double and projector thread included) over the rounds, per dose. PostgreSQL = CPU of the backends connected to that node's database (pg_stat_activity, /proc), per dose. " +
        '"All postgres" in the table below sums every postgres process on the server instead: other work on a shared server adds to it, and a process that exits during a round takes its CPU out of the sum, so it can even come out lower.',
      'The double is not KurrentDB: a real cluster adds its disk, replication and network latency to every append and to the guard reader, so these figures are the client side of the comparison only.',
    ],
    rows: [
      {
        metric: `KurrentDB node, doses with guard rows on (ADR 0029) — ${caveat}`,
        measured: summary(on),
        target: '—',
        status: 'INFO',
        note:
          `No site lock, no projector wait: the ${CLIENTS} callers run side by side. Per dose (mean, waits included): append ${phaseMs(on, PHASES.append)} ` +
          `(reserve transaction in PostgreSQL, event-id claims and the append over gRPC), vault ${phaseMs(on, PHASES.vault)}, person stream read ${phaseMs(on, PHASES.read)}. ` +
          "The node's CPU includes the double and the guard reader, which runs in the API process and again in the projector thread.",
      },
      {
        metric: `KurrentDB node, doses with guard rows off (ADR 0004) — ${caveat}`,
        measured: summary(off),
        target: '—',
        status: 'INFO',
        note:
          `Every dose at the clinic takes the clinic's site lock, so the ${CLIENTS} callers queue one behind the other: ${phaseMs(off, PHASES.lock)} per dose from asking for the lock to releasing it. ` +
          `Under the lock: projector wait ${phaseMs(off, PHASES.wait)}, person stream read ${phaseMs(off, PHASES.read)}, vault ${phaseMs(off, PHASES.vault)}, append ${phaseMs(off, PHASES.append)}.`,
      },
      {
        metric: 'guards on / guards off',
        measured: `${fixed(rate(on) / rate(off), 2)}× the doses/s; ${fixed(on.cpuMs / on.doses / (off.cpuMs / off.doses), 2)}× the node CPU; ${fixed(on.pgMs / on.doses / (off.pgMs / off.doses), 2)}× the PostgreSQL CPU per dose`,
        target: '—',
        status: 'INFO',
        note: 'Same run, alternating rounds: compare these, not the absolute figures, on a shared machine.',
      },
    ],
    details: [
      table(
        ['Round', 'Guards', 'Doses', 'Wall time', 'Doses/s', 'Node CPU ms/dose', 'Own PostgreSQL backends ms/dose', 'All postgres ms/dose'],
        [
          ...rounds.map((r) => [
            String(r.round),
            r.guards,
            String(r.doses),
            seconds(r.ms),
            int((r.doses * 1000) / r.ms),
            fixed(r.cpuMs / r.doses, 2),
            fixed(r.pgMs / r.doses, 2),
            fixed(r.allPgMs / r.doses, 2),
          ]),
          ...sides.map((s) => [
            'all',
            s.guards,
            String(s.doses),
            seconds(s.ms),
            int(rate(s)),
            fixed(s.cpuMs / s.doses, 2),
            fixed(s.pgMs / s.doses, 2),
            fixed(s.allPgMs / s.doses, 2),
          ]),
        ],
      ),
      '',
      'Time in the runtime methods the dose paths call (wrapped with timers in the node; pool and lock waits included), over the timed rounds:',
      '',
      table(
        ['Phase', 'Guards on: mean per call', 'calls per dose', 'Guards off: mean per call', 'calls per dose'],
        Object.values(PHASES).map((name) => {
          const [a, b] = [phase(on, name), phase(off, name)];
          return [name, a ? ms(a.mean) : '—', a ? fixed(a.perDose, 2) : '0', b ? ms(b.mean) : '—', b ? fixed(b.perDose, 2) : '0'];
        }),
      ),
    ].join('\n'),
    data: Object.fromEntries(
      sides.map((s) => [
        s.guards,
        {
          dosesPerSecond: rate(s),
          nodeCpuMsPerDose: s.cpuMs / s.doses,
          pgCpuMsPerDose: s.pgMs / s.doses,
          allPgCpuMsPerDose: s.allPgMs / s.doses,
        },
      ]),
    ),
  };
};

module.exports = { name: 'kurrentdb-doses', title: 'KurrentDB doses: guard rows on vs off (ADR 0029)', run };
