'use strict';
/**
 * 10. What the tamper-evident log costs (ADR 0019): the same appends into PostgresEventStore
 * (a) without leaf hashes, (b) with them, (c) with them while the checkpointer signs the log
 * behind the writers. Two workloads: batched append (100 events per call, 4 writers) and dose
 * capture at the store (one DoseAdministered per call with the exact expected revision, 8
 * writers: the append a POST /v1/doses makes). Target: (b) and (c) less than 10 % slower than (a).
 * Rounds alternate the sides (a b c, c b a) in fresh schemas so drift hits each alike.
 */
const { generateKeyPairSync } = require('node:crypto');
const { scaled } = require('../lib/env.cjs');
const { checkpoint: dbCheckpoint } = require('../lib/db.cjs');
const { nowMs, int, rate } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');
const { loadLib } = require('../lib/load.cjs');
const { personIdOf, personStreamOf, doseEvent, clinicCode, VACCINE_TYPES } = require('../lib/fixtures.cjs');

const TARGET_SLOWDOWN = 0.1;
const BATCH = { writers: 4, perCall: 100, callsPerStream: 2, full: 100_000 };
const SINGLE = { writers: 8, perStream: 5, full: 20_000 };
const SIDES = ['off', 'on', 'on+checkpointer'];

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

const runSide = async (ctx, { side, schema, streams, total, writers, label }) => {
  const { PostgresEventStore } = ctx.lib.eventStore();
  const store = await PostgresEventStore.connect({
    connectionString: ctx.url,
    schema,
    poolSize: writers + 2,
    leafHashes: side !== 'off',
  });
  let checkpointer = null;
  let checkpoints = 0;
  if (side === 'on+checkpointer') {
    const { LogCheckpointer, EnvelopeSigner } = loadLib('sync');
    const { privateKey } = generateKeyPairSync('ed25519');
    checkpointer = new LogCheckpointer(store, {
      provinceCode: '510000',
      signer: new EnvelopeSigner(privateKey),
      everyEvents: 1000,
      everyMs: 5000,
      onCheckpoint: () => checkpoints++,
    });
    checkpointer.start();
  }
  await dbCheckpoint(ctx.url).catch(() => undefined);
  const bar = ctx.progress(`${label} ${side}`, total);
  const start = nowMs();
  await Promise.all(
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
  const elapsed = nowMs() - start;
  bar.done();
  if (checkpointer) {
    await checkpointer.runOnce(true);
    await checkpointer.stop();
  }
  await store.close();
  return { eventsPerSecond: (total / elapsed) * 1000, checkpoints };
};

const measure = async (ctx, label, shape) => {
  const results = Object.fromEntries(SIDES.map((s) => [s, []]));
  for (const [round, order] of [SIDES, [...SIDES].reverse()].entries())
    for (const side of order) {
      const { streams, total } = shape(`${label}-${round}-${side}`);
      const schema = `bench_tlog_${label}_${round}_${side.replace(/\W/g, '_')}`;
      results[side].push(await runSide(ctx, { side, schema, streams, total, writers: shape.writers, label }));
    }
  const mean = (side) => results[side].reduce((a, r) => a + r.eventsPerSecond, 0) / results[side].length;
  return Object.fromEntries(
    SIDES.map((s) => [s, { eventsPerSecond: mean(s), checkpoints: results[s].reduce((a, r) => a + r.checkpoints, 0) }]),
  );
};

const run = async (ctx) => {
  const batchTotal = scaled(BATCH.full, ctx.scale, 400);
  const singleTotal = scaled(SINGLE.full, ctx.scale, 200);
  const batchShape = Object.assign((tag) => workload(tag, batchTotal, BATCH.perCall, BATCH.callsPerStream), { writers: BATCH.writers });
  const singleShape = Object.assign((tag) => workload(tag, singleTotal, 1, SINGLE.perStream), { writers: SINGLE.writers });
  const batched = await measure(ctx, 'batch', batchShape);
  const single = await measure(ctx, 'dose', singleShape);
  const rows = [];
  const judge = (name, r) => {
    for (const side of ['on', 'on+checkpointer']) {
      const slowdown = 1 - r[side].eventsPerSecond / r.off.eventsPerSecond;
      rows.push({
        metric: `${name}: leaf hashes ${side === 'on' ? '' : '+ checkpointer '}vs none`,
        measured: `${(slowdown * 100).toFixed(1)} % slower (${rate(r[side].eventsPerSecond)} vs ${rate(r.off.eventsPerSecond)})`,
        target: `< ${TARGET_SLOWDOWN * 100} % slower`,
        status: slowdown < TARGET_SLOWDOWN ? 'MET' : 'MISSED',
        note:
          side === 'on+checkpointer' ? `${r[side].checkpoints} checkpoints signed during the runs` : 'leaf computed in the append, no lock',
      });
    }
  };
  judge('batched append', batched);
  judge('dose capture (store append)', single);
  return {
    parameters: [
      `Batched: ${int(batchTotal)} DoseAdministered events per side, ${BATCH.perCall} per call, ${BATCH.writers} writers, exact expected revisions.`,
      `Dose capture: ${int(singleTotal)} single-event appends per side, ${SINGLE.writers} writers, ${SINGLE.perStream} doses per person stream, exact expected revisions (the append POST /v1/doses makes, without HTTP).`,
      'Two rounds per workload (off, on, on+checkpointer, then reversed), each side in a fresh schema; figures are the mean of the rounds. The checkpointer signs every 1,000 events or every 5 s, looking at the log every second (its default poll for that interval).',
    ],
    rows,
    details: table(
      ['Workload', ...SIDES.map((s) => `${s} events/s`)],
      [
        ['batched append', ...SIDES.map((s) => int(batched[s].eventsPerSecond))],
        ['dose capture (store)', ...SIDES.map((s) => int(single[s].eventsPerSecond))],
      ],
    ),
    data: { batched, single },
  };
};

module.exports = { name: 'tamper-log', title: 'Tamper-evident log: cost of leaf hashes and checkpoints', run };
