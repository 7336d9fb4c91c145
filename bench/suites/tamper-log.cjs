'use strict';
/**
 * 10. What the tamper-evident log costs (ADR 0019, docs/adr/0023-log-leaves-after-commit.md):
 * the same appends into PostgresEventStore (a) with no checkpointer, (b) while the checkpointer,
 * in the same process, reads the log behind the writers, computes every leaf, chains and signs
 * them. The append itself does nothing for the log's proof any more, so (b) against (a) is the
 * whole cost. Two workloads: batched append (100 events per call, 4 writers) and dose capture at
 * the store (one DoseAdministered per call with the exact expected revision, 8 writers: the
 * append a POST /v1/doses makes). Two figures per side: the writers' throughput, and the
 * sustained one, whose clock stops only when the checkpointer has signed the last event (so a
 * checkpointer that fell behind cannot hide its work). Target: (b) less than 10 % slower.
 * Rounds alternate the sides (a b, b a, a b, …) in fresh schemas so drift hits each alike; the
 * verdict is the median of the rounds' paired slowdowns.
 */
const { generateKeyPairSync } = require('node:crypto');
const { scaled } = require('../lib/env.cjs');
const { checkpoint: dbCheckpoint, query } = require('../lib/db.cjs');
const { nowMs, int, rate } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');
const { loadLib } = require('../lib/load.cjs');
const { personIdOf, personStreamOf, doseEvent, clinicCode, VACCINE_TYPES } = require('../lib/fixtures.cjs');

const TARGET_SLOWDOWN = 0.1;
const BATCH = { writers: 4, perCall: 100, callsPerStream: 2, full: 100_000 };
const SINGLE = { writers: 8, perStream: 5, full: 20_000 };
const SIDES = ['off', 'checkpointer'];
/**
 * Rounds per workload (BENCH_TLOG_ROUNDS, default 5, odd so the median is one round's), the order
 * alternating (a b, b a, …) so that drift over the run hits both sides alike. On a noisy host
 * single rounds swing by ±15–25 points; more rounds steady the median.
 */
const ROUND_COUNT = Math.max(1, Number(process.env.BENCH_TLOG_ROUNDS || 5));
const ROUNDS = Array.from({ length: ROUND_COUNT }, (_, i) => (i % 2 === 0 ? SIDES : [...SIDES].reverse()));
/**
 * The checkpointer looks at the log this often (its own default for a 5 s interval is 1 s, longer
 * than a side at small scales). While the writers run it signs at most one checkpoint per look,
 * and rests 19 times as long as a look took (its busy share, 1/20): together they cap how fast it
 * signs behind the writers. BENCH_TLOG_POLL_MS=5 with BENCH_TLOG_BUSY_SHARE=1 lifts both caps, to
 * see what signing everything as it arrives costs the writers (ADR 0035).
 */
const POLL_MS = Number(process.env.BENCH_TLOG_POLL_MS || 200);
const BUSY_SHARE = process.env.BENCH_TLOG_BUSY_SHARE ? Number(process.env.BENCH_TLOG_BUSY_SHARE) : undefined;

const dose = (n) => {
  const v = n % VACCINE_TYPES.length;
  return doseEvent(n, {
    siteCode: clinicCode(n % 200),
    batchId: `86963210${v}-202611A${String(n % 50).padStart(3, '0')}`,
    productCode: `86963210${v}`,
    vaccineType: VACCINE_TYPES[v],
    doseNumber: (n % 5) + 1,
  });
};

/** Streams of the workload, each a list of calls (events per call). */
const workload = (tag, total, perCall, callsPerStream) => {
  const streams = [];
  let n = 0;
  for (let s = 0; n < total; s++) {
    const calls = [];
    for (let c = 0; c < callsPerStream; c++) calls.push(Array.from({ length: perCall }, () => dose(n++)));
    streams.push({ streamId: personStreamOf(personIdOf(`${tag}-${s}`)), calls });
  }
  return { streams, total: n };
};

/** A checkpointer for province 510000 with a fresh key, started: `pacing` is everyEvents, everyMs and pollMs. */
const startCheckpointer = (store, pacing, onCheckpoint) => {
  const { LogCheckpointer, EnvelopeSigner } = loadLib('sync');
  const checkpointer = new LogCheckpointer(store, {
    provinceCode: '510000',
    signer: new EnvelopeSigner(generateKeyPairSync('ed25519').privateKey),
    ...pacing,
    ...(BUSY_SHARE !== undefined ? { busyShare: BUSY_SHARE } : {}),
    onCheckpoint,
  });
  checkpointer.start();
  return checkpointer;
};

/** Every stream's calls in order, `writers` streams at a time, each call with its exact expected revision. */
const appendAll = (store, streams, writers, bar) =>
  Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let s = w; s < streams.length; s += writers) {
        let revision = -1;
        for (const events of streams[s].calls) {
          await store.append(streams[s].streamId, events, { expected: revision < 0 ? 'no-stream' : revision });
          revision += events.length;
          bar.tick(events.length);
        }
      }
    }),
  );

const runSide = async (ctx, { side, schema, streams, total, writers, label }) => {
  const { PostgresEventStore } = ctx.lib.eventStore();
  const store = await PostgresEventStore.connect({ connectionString: ctx.url, schema, poolSize: writers + 2 });
  let checkpointer = null;
  let checkpoints = 0;
  let signed = 0;
  if (side === 'checkpointer')
    checkpointer = startCheckpointer(store, { everyEvents: 1000, everyMs: 5000, pollMs: POLL_MS }, (c) => {
      checkpoints++;
      signed += c.count;
    });
  await dbCheckpoint(ctx.url).catch(() => undefined);
  const bar = ctx.progress(`${label} ${side}`, total);
  const cpuStart = process.cpuUsage();
  const start = nowMs();
  await appendAll(store, streams, writers, bar);
  const written = nowMs() - start;
  const signedWhileWriting = signed;
  bar.done();
  if (checkpointer) {
    await checkpointer.stop();
    // Whatever it had not reached yet: the sustained figure waits for the last leaf to be signed.
    // (A long transaction elsewhere on the server holds the readable log back: wait for it.)
    for (let waited = 0; signed < total && waited < 120_000; waited += 20)
      if (!(await checkpointer.runOnce(true))) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const sustained = nowMs() - start;
  const cpu = process.cpuUsage(cpuStart);
  if (checkpointer && signed !== total) throw new Error(`the checkpointer signed ${signed} of ${total} events`);
  await store.close();
  // Gone before the next side starts: autovacuum would otherwise visit this side's 100,000 fresh
  // rows while the next side runs, at a moment no round controls.
  await query(ctx.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  return {
    eventsPerSecond: (total / written) * 1000,
    sustainedPerSecond: (total / sustained) * 1000,
    nodeCpuUsPerEvent: (cpu.user + cpu.system) / total,
    checkpoints,
    signedWhileWriting: signedWhileWriting / total,
  };
};

const measure = async (ctx, label, shape) => {
  const results = Object.fromEntries(SIDES.map((s) => [s, []]));
  for (const [round, order] of ROUNDS.entries())
    for (const side of order) {
      const { streams, total } = shape(`${label}-${round}-${side}`);
      const schema = `bench_tlog_${label}_${round}_${side.replace(/\W/g, '_')}`;
      results[side].push(await runSide(ctx, { side, schema, streams, total, writers: shape.writers, label }));
    }
  const mean = (side, key) => results[side].reduce((a, r) => a + r[key], 0) / results[side].length;
  // Each round's own pair (both sides a few seconds apart) gives one slowdown; the verdict is
  // their median, which a single disturbed side cannot move, and every round's figure is shown.
  const slowdowns = (key) => results.checkpointer.map((on, i) => 1 - on[key] / results.off[i][key]);
  return {
    ...Object.fromEntries(
      SIDES.map((s) => [
        s,
        {
          eventsPerSecond: mean(s, 'eventsPerSecond'),
          sustainedPerSecond: mean(s, 'sustainedPerSecond'),
          nodeCpuUsPerEvent: mean(s, 'nodeCpuUsPerEvent'),
          signedWhileWriting: mean(s, 'signedWhileWriting'),
          checkpoints: results[s].reduce((a, r) => a + r.checkpoints, 0),
        },
      ]),
    ),
    slowdowns: { eventsPerSecond: slowdowns('eventsPerSecond'), sustainedPerSecond: slowdowns('sustainedPerSecond') },
  };
};

/** The node's own pacing (LOG_CHECKPOINT_* defaults: 1,000 events per checkpoint, 60 s, so a look every 2 s). */
const NODE_PACING = { everyEvents: 1000, everyMs: 60_000 };
const BURST = { writers: 4, perCall: 100, full: 50_000 };

/**
 * What a regulator waits for after a bulk load (ADR 0035): a burst of batched appends with the
 * checkpointer started as the node starts it, and the time from the burst's end until its last
 * event is signed. While the writers append it signs one checkpoint per look; once the log is
 * quiet for a look, the backlog at once.
 */
const burstWindow = async (ctx) => {
  const { streams, total } = workload('burst', scaled(BURST.full, ctx.scale, 400), BURST.perCall, 1);
  const { PostgresEventStore } = ctx.lib.eventStore();
  const store = await PostgresEventStore.connect({ connectionString: ctx.url, schema: 'bench_tlog_burst', poolSize: BURST.writers + 2 });
  let signed = 0;
  const checkpointer = startCheckpointer(store, NODE_PACING, (c) => {
    signed += c.count;
  });
  await dbCheckpoint(ctx.url).catch(() => undefined);
  const bar = ctx.progress('burst, then until signed', total);
  const start = nowMs();
  await appendAll(store, streams, BURST.writers, bar);
  const burstMs = nowMs() - start;
  const signedInBurst = signed;
  for (let waited = 0; signed < total && waited < 300_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  const afterMs = nowMs() - start - burstMs;
  bar.done();
  await checkpointer.stop();
  await store.close();
  if (signed !== total) throw new Error(`the checkpointer signed ${signed} of ${total} burst events in 300 s`);
  return { total, burstMs, afterMs, signedInBurst };
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const percent = (v) => `${(v * 100).toFixed(1)} %`;

const run = async (ctx) => {
  const batchTotal = scaled(BATCH.full, ctx.scale, 400);
  const singleTotal = scaled(SINGLE.full, ctx.scale, 200);
  const batchShape = Object.assign((tag) => workload(tag, batchTotal, BATCH.perCall, BATCH.callsPerStream), { writers: BATCH.writers });
  const singleShape = Object.assign((tag) => workload(tag, singleTotal, 1, SINGLE.perStream), { writers: SINGLE.writers });
  const batched = await measure(ctx, 'batch', batchShape);
  const single = await measure(ctx, 'dose', singleShape);
  const rows = [];
  const judge = (name, r) => {
    const on = r.checkpointer;
    for (const [key, what] of [
      ['eventsPerSecond', 'writers'],
      ['sustainedPerSecond', 'sustained, until the last event is signed'],
    ]) {
      const perRound = r.slowdowns[key];
      const slowdown = median(perRound);
      rows.push({
        metric: `${name}: with the checkpointer vs without (${what})`,
        measured: `${(slowdown * 100).toFixed(1)} % slower, median of ${perRound.length} rounds (each round: ${perRound.map(percent).join(', ')}); means ${rate(on[key])} vs ${rate(r.off[key])}`,
        target: `< ${TARGET_SLOWDOWN * 100} % slower`,
        status: slowdown < TARGET_SLOWDOWN ? 'MET' : 'MISSED',
        note:
          key === 'eventsPerSecond'
            ? `${on.checkpoints} checkpoints; ${(on.signedWhileWriting * 100).toFixed(0)} % of the events signed while the writers ran`
            : `Node CPU ${on.nodeCpuUsPerEvent.toFixed(1)} µs/event with, ${r.off.nodeCpuUsPerEvent.toFixed(1)} without (same process)`,
      });
    }
  };
  judge('batched append', batched);
  judge('dose capture (store append)', single);
  const burst = await burstWindow(ctx);
  const lookMs = Math.min(2000, Math.max(200, Math.floor(NODE_PACING.everyMs / 5)));
  const perLook = (burst.total / NODE_PACING.everyEvents) * (lookMs / 1000);
  rows.push({
    metric: 'batched burst: events left unsigned after it (checkpointer at the node’s default pacing)',
    measured: `all ${int(burst.total)} signed ${(burst.afterMs / 1000).toFixed(1)} s after a ${(burst.burstMs / 1000).toFixed(1)} s burst (${int(burst.signedInBurst)} signed during it)`,
    target: 'shown, no target (ADR 0035)',
    status: 'INFO',
    note: `one checkpoint per look (every ${lookMs / 1000} s) while others append, a quiet log's backlog at once; one per look throughout would need ~${Math.round(perLook)} s for ${int(burst.total)} events`,
  });
  return {
    parameters: [
      `Batched: ${int(batchTotal)} DoseAdministered events per side, ${BATCH.perCall} per call, ${BATCH.writers} writers, exact expected revisions.`,
      `Dose capture: ${int(singleTotal)} single-event appends per side, ${SINGLE.writers} writers, ${SINGLE.perStream} doses per person stream, exact expected revisions (the append POST /v1/doses makes, without HTTP).`,
      `Burst: ${int(scaled(BURST.full, ctx.scale, 400))} DoseAdministered events, ${BURST.perCall} per call, ${BURST.writers} writers, with the checkpointer started at the node's default pacing (${NODE_PACING.everyEvents} events per checkpoint, ${NODE_PACING.everyMs / 1000} s interval); timed from the burst's end until its last event is signed.`,
      `${ROUNDS.length} rounds per workload, the order alternating (off, checkpointer; checkpointer, off; …), each side in a fresh schema, dropped when the side ends; the slowdown judged is the median of the rounds' own pairs (every round's is listed), the rates shown are the means of the rounds. The checkpointer runs in the bench process beside the writers, signs every 1,000 events or 5 s and looks at the log every ${POLL_MS} ms (while others append: one checkpoint per look, then a rest of 19 times the look, its busy share ${BUSY_SHARE ?? '1/20'}); it reads each event's leaf as PostgreSQL computes it after commit (ADR 0028; the append computes none).`,
    ],
    rows,
    details: table(
      ['Workload', ...SIDES.flatMap((s) => [`${s} events/s`, `${s} sustained/s`, `${s} Node CPU µs/event`])],
      [
        ['batched append', batched],
        ['dose capture (store)', single],
      ].map(([name, r]) => [
        name,
        ...SIDES.flatMap((s) => [int(r[s].eventsPerSecond), int(r[s].sustainedPerSecond), r[s].nodeCpuUsPerEvent.toFixed(1)]),
      ]),
    ),
    data: { batched, single, burst },
  };
};

module.exports = { name: 'tamper-log', title: 'Tamper-evident log: cost of leaf hashes and checkpoints', run };
