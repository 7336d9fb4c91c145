'use strict';
/**
 * 8. The KurrentDB adapter (EVENT_STORE=kurrentdb) in the append and rebuild workloads,
 * against the in-process TEST DOUBLE of KurrentDB's gRPC protocol (no KurrentDB server can
 * run on the build machine). The double keeps events in memory and answers at once, so the
 * figures are the adapter's and @eventstore/db-client's overhead (protobuf, HTTP/2, the
 * event-id claims, paging $all) plus the double's own CPU on the same cores — NOT what a
 * real KurrentDB cluster sustains, which adds its disk, replication and network.
 *
 *  (a) batched append: 100 events per call, 4 writers, streams of 200 (as the append suite);
 *  (b) single appends: one event per call, 8 writers, each on its own new stream;
 *  (c) projection rebuild: the rebuild suite's dataset (or its first events at full scale)
 *      copied into the double, then replayed from the adapter's readAll into fresh read
 *      models in batches of 1,000 and 5,000, as the rebuild suite does from PostgreSQL.
 */
const { randomUUID } = require('node:crypto');
const { scaled } = require('../lib/env.cjs');
const { ensureDataset } = require('../lib/dataset.cjs');
const { loadKurrentDbDouble } = require('../lib/kurrentdb-double.cjs');
const { query } = require('../lib/db.cjs');
const { nowMs, summarise, int, ms, rate, seconds } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');
const { personIdOf, personStreamOf, doseEvent, clinicCode, VACCINE_TYPES } = require('../lib/fixtures.cjs');

const EVENTS_PER_CALL = 100;
const CALLS_PER_STREAM = 2;
const BATCH_WRITERS = 4;
const SINGLE_WRITERS = 8;
const FULL_BATCHED_EVENTS = 100_000;
const FULL_SINGLE_EVENTS = 10_000;
/** The double holds everything in this process's memory: rebuild at most this many events. */
const MAX_REBUILD_EVENTS = 200_000;
const REBUILD_BATCHES = [1000, 5000];

const doseFor = (n, personId) => {
  const v = n % VACCINE_TYPES.length;
  return doseEvent(n, {
    personId,
    siteCode: clinicCode(n % 200),
    batchId: `86963210${v}-202611A${String(n % 50).padStart(3, '0')}`,
    productCode: `86963210${v}`,
    vaccineType: VACCINE_TYPES[v],
    doseNumber: (n % 5) + 1,
  });
};

const runWriters = async (ctx, label, total, writers, nextCall) => {
  const bar = ctx.progress(label, total);
  const latencies = [];
  const start = nowMs();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let call = nextCall(w); call; call = nextCall(w)) {
        const t0 = nowMs();
        await call.run();
        latencies.push(nowMs() - t0);
        bar.tick(call.events);
      }
    }),
  );
  const elapsedMs = nowMs() - start;
  bar.done();
  return { elapsedMs, eventsPerSecond: (total * 1000) / elapsedMs, latency: summarise(latencies) };
};

const batchedAppend = async (ctx, store) => {
  const total = scaled(FULL_BATCHED_EVENTS, ctx.scale, EVENTS_PER_CALL * CALLS_PER_STREAM * BATCH_WRITERS);
  const perStream = EVENTS_PER_CALL * CALLS_PER_STREAM;
  const streams = Array.from({ length: Math.ceil(total / perStream) }, (_, s) => {
    const personId = personIdOf(`kdb-append-${s}-${randomUUID()}`);
    return {
      streamId: personStreamOf(personId),
      events: Array.from({ length: perStream }, (_, r) => doseFor(s * perStream + r, personId)),
    };
  });
  const cursors = Array.from({ length: BATCH_WRITERS }, (_, w) => ({ s: w, c: 0 }));
  return runWriters(ctx, `(a) batched append, ${BATCH_WRITERS} writers`, streams.length * perStream, BATCH_WRITERS, (w) => {
    const cur = cursors[w];
    if (cur.s >= streams.length) return null;
    const stream = streams[cur.s];
    const c = cur.c;
    const events = stream.events.slice(c * EVENTS_PER_CALL, (c + 1) * EVENTS_PER_CALL);
    if (++cur.c === CALLS_PER_STREAM) {
      cur.c = 0;
      cur.s += BATCH_WRITERS;
    }
    return {
      events: events.length,
      run: () => store.append(stream.streamId, events, { expected: c === 0 ? 'no-stream' : c * EVENTS_PER_CALL - 1 }),
    };
  });
};

const singleAppend = async (ctx, store) => {
  const total = scaled(FULL_SINGLE_EVENTS, ctx.scale, SINGLE_WRITERS * 10);
  let next = 0;
  return runWriters(ctx, `(b) single appends, ${SINGLE_WRITERS} writers`, total, SINGLE_WRITERS, () => {
    if (next >= total) return null;
    const n = next++;
    const personId = personIdOf(`kdb-single-${n}-${randomUUID()}`);
    return { events: 1, run: () => store.append(personStreamOf(personId), [doseFor(n, personId)], { expected: 'no-stream' }) };
  });
};

/** Copies the first `limit` events of the PostgreSQL dataset into KurrentDB, keeping streams and revisions. */
const copyDataset = async (ctx, dataset, kurrent, limit) => {
  const { PostgresEventStore } = ctx.lib.eventStore();
  const source = await PostgresEventStore.connect({ connectionString: ctx.url, schema: dataset.schema, poolSize: 2 });
  const bar = ctx.progress('copying the dataset into the double (set-up, not timed)', limit);
  let copied = 0;
  let head = 0n;
  try {
    for (let after = 0n; copied < limit;) {
      const page = await source.readAll({ after, limit: Math.min(1000, limit - copied) });
      if (page.length === 0) break;
      let i = 0;
      while (i < page.length) {
        let j = i + 1;
        while (j < page.length && page[j].streamId === page[i].streamId && page[j].revision === page[j - 1].revision + 1) j++;
        const run = page.slice(i, j);
        const result = await kurrent.append(
          run[0].streamId,
          run.map(({ eventId, type, schemaVersion, data, metadata }) => ({ eventId, type, schemaVersion, data, metadata })),
          { expected: run[0].revision === 0 ? 'no-stream' : run[0].revision - 1 },
        );
        head = result.position;
        i = j;
      }
      copied += page.length;
      after = page[page.length - 1].position;
      bar.tick(page.length);
    }
  } finally {
    await source.close();
  }
  bar.done();
  return { copied, head };
};

const rebuildFrom = async (ctx, kurrent, copied, batchSize) => {
  const { ReadModels, PROJECTIONS } = ctx.lib.projections();
  const schema = `rm_kdb_b${batchSize}`;
  const models = await ReadModels.open(kurrent, { connectionString: ctx.url, schema, batchSize }, PROJECTIONS);
  try {
    const bar = ctx.progress(`(c) rebuild from KurrentDB, batches of ${int(batchSize)}`, copied.copied);
    let readMs = 0;
    const start = nowMs();
    for (let after = 0n; ;) {
      const t0 = nowMs();
      const events = await kurrent.readAll({ after, limit: batchSize });
      readMs += nowMs() - t0;
      if (events.length === 0) break;
      await models.runner.applyBatch(events);
      after = events[events.length - 1].position;
      bar.tick(events.length);
    }
    const elapsedMs = nowMs() - start;
    const done = bar.done();
    if (done.count !== copied.copied) throw new Error(`rebuild applied ${done.count} events, ${copied.copied} were copied`);
    if (models.runner.lowestPosition !== copied.head)
      throw new Error(`runner reached ${models.runner.lowestPosition}, head is ${copied.head}`);
    return { batchSize, elapsedMs, readMs, eventsPerSecond: (copied.copied * 1000) / elapsedMs, schema };
  } finally {
    await models.close();
    await query(ctx.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
};

const run = async (ctx) => {
  const { KurrentDbEventStore } = await ctx.lib.eventStore().loadKurrentDb();
  if (!KurrentDbEventStore) throw new Error('the compiled @vaxledger/event-store has no KurrentDbEventStore: run `npm run build` first');
  const { startKurrentDbDouble } = loadKurrentDbDouble();
  const appendDouble = await startKurrentDbDouble();
  const appendStore = await KurrentDbEventStore.connect({ connectionString: appendDouble.url });
  let batched;
  let single;
  try {
    batched = await batchedAppend(ctx, appendStore);
    single = await singleAppend(ctx, appendStore);
  } finally {
    await appendStore.close();
    await appendDouble.stop();
  }

  const dataset = await ensureDataset(ctx);
  const limit = Math.min(dataset.totalEvents, MAX_REBUILD_EVENTS);
  const rebuildDouble = await startKurrentDbDouble();
  const kurrent = await KurrentDbEventStore.connect({ connectionString: rebuildDouble.url });
  const rebuilds = [];
  try {
    const copied = await copyDataset(ctx, dataset, kurrent, limit);
    for (const batchSize of REBUILD_BATCHES) rebuilds.push(await rebuildFrom(ctx, kurrent, copied, batchSize));
  } finally {
    await kurrent.close();
    await rebuildDouble.stop();
  }

  const caveat = 'test double, client overhead only';
  const rows = [
    {
      metric: `(a) KurrentDB adapter, batched append (${EVENTS_PER_CALL}/call, ${BATCH_WRITERS} writers) — ${caveat}`,
      measured: rate(batched.eventsPerSecond),
      target: '—',
      status: 'INFO',
      note: `per call p50 ${ms(batched.latency.p50)}, p99 ${ms(batched.latency.p99)}; each call also claims its ${EVENTS_PER_CALL} event ids (one small append each)`,
    },
    {
      metric: `(b) KurrentDB adapter, single appends (${SINGLE_WRITERS} writers) — ${caveat}`,
      measured: `${int(single.eventsPerSecond)} appends/s`,
      target: '—',
      status: 'INFO',
      note: `p50 ${ms(single.latency.p50)}, p99 ${ms(single.latency.p99)}; 2 gRPC appends per event (claim + event)`,
    },
    ...rebuilds.map((r) => ({
      metric: `(c) rebuild from the KurrentDB adapter, batches of ${int(r.batchSize)} — ${caveat}`,
      measured: rate(r.eventsPerSecond),
      target: '—',
      status: 'INFO',
      note: `${seconds(r.elapsedMs)}; readAll (gRPC, $all paged and filtered in the client) ${((100 * r.readMs) / r.elapsedMs).toFixed(0)}% of it`,
    })),
  ];
  return {
    parameters: [
      'Against the in-process KurrentDB test double (test/support/kurrentdb): it stores nothing on disk and answers at once, and shares the cores with the client. These figures are the overhead of the adapter and of @eventstore/db-client, not KurrentDB throughput.',
      `Append workload: ${int(scaled(FULL_BATCHED_EVENTS, ctx.scale, 800))} DoseAdministered-like events in batches, ${int(scaled(FULL_SINGLE_EVENTS, ctx.scale, 80))} single appends.`,
      `Rebuild: ${int(limit)} of the dataset's ${int(dataset.totalEvents)} events (at most ${int(MAX_REBUILD_EVENTS)}: the double keeps them in this process's memory), all six projections, fresh read models per run.`,
    ],
    rows,
    details: table(
      ['Run', 'Events/s', 'Wall time'],
      [
        ['batched append', int(batched.eventsPerSecond), seconds(batched.elapsedMs)],
        ['single appends', int(single.eventsPerSecond), seconds(single.elapsedMs)],
        ...rebuilds.map((r) => [`rebuild, batches of ${r.batchSize}`, int(r.eventsPerSecond), seconds(r.elapsedMs)]),
      ],
    ),
    data: {
      batched: batched.eventsPerSecond,
      single: single.eventsPerSecond,
      rebuild: Object.fromEntries(rebuilds.map((r) => [r.batchSize, r.eventsPerSecond])),
    },
  };
};

module.exports = { name: 'kurrentdb', title: 'KurrentDB adapter (test double: client overhead only)', run };
