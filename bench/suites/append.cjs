'use strict';
/**
 * 1. Batched append: the same DoseAdministered-like events (100 per call) written by 4
 * concurrent writers into (a) our PostgresEventStore, (b) Emmett's PostgreSQL event store,
 * (c) a bare table by multi-row INSERT … SELECT FROM unnest (1,000 rows per statement),
 * (d) a bare table by psql `\copy` from a CSV file (the COPY ceiling), plus one diagnostic,
 * (e) the unnest insert into a table with our events table's constraints, to split the
 * gap between (a) and (c) into "index maintenance" and "everything else".
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Pool } = require('pg');
const { scaled, ensureTmp } = require('../lib/env.cjs');
const { checkpoint, query, settle } = require('../lib/db.cjs');
const { nowMs, summarise, int, ms, rate, ratio, bytes, seconds } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');
const { personIdOf, personStreamOf, doseEvent, clinicCode, VACCINE_TYPES } = require('../lib/fixtures.cjs');

const EVENTS_PER_CALL = 100;
const CALLS_PER_STREAM = 2;
const WRITERS = 4;
const ROWS_PER_INSERT = 1000;
const FULL_EVENTS = 200_000;

const COLUMNS = ['position', 'event_id', 'stream_id', 'revision', 'type', 'schema_version', 'data', 'metadata'];
const bareTableSql = (schema) => `
  CREATE SCHEMA IF NOT EXISTS ${schema};
  CREATE TABLE ${schema}.events (
    position bigint NOT NULL, event_id uuid NOT NULL, stream_id text NOT NULL, revision bigint NOT NULL,
    type text NOT NULL, schema_version int NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())`;
const indexedTableSql = (schema) => `
  CREATE SCHEMA IF NOT EXISTS ${schema};
  CREATE TABLE ${schema}.events (
    position bigint PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream_id text NOT NULL, revision bigint NOT NULL,
    type text NOT NULL, schema_version int NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(), UNIQUE (stream_id, revision))`;

/** The workload: streams of CALLS_PER_STREAM × EVENTS_PER_CALL events, prebuilt so every store gets the same data. */
const buildWorkload = (totalEvents) => {
  const perStream = EVENTS_PER_CALL * CALLS_PER_STREAM;
  const streamCount = Math.max(WRITERS, Math.round(totalEvents / perStream / WRITERS) * WRITERS);
  const streams = [];
  let n = 0;
  for (let s = 0; s < streamCount; s++) {
    const personId = personIdOf(`append-${s}`);
    const siteCode = clinicCode(s % 200);
    const events = [];
    for (let r = 0; r < perStream; r++, n++) {
      const v = n % VACCINE_TYPES.length;
      events.push(
        doseEvent(n, {
          personId,
          siteCode,
          batchId: `86963210${v}-202611A${String(n % 50).padStart(3, '0')}`,
          productCode: `86963210${v}`,
          vaccineType: VACCINE_TYPES[v],
          doseNumber: (r % 5) + 1,
        }),
      );
    }
    streams.push({ streamId: personStreamOf(personId), events });
  }
  return { streams, totalEvents: n };
};

const callsOf = (stream) => {
  const calls = [];
  for (let c = 0; c < CALLS_PER_STREAM; c++)
    calls.push({ revisionBefore: c * EVENTS_PER_CALL - 1, events: stream.events.slice(c * EVENTS_PER_CALL, (c + 1) * EVENTS_PER_CALL) });
  return calls;
};

/** Runs WRITERS writers; writer w appends every call of the streams s with s % WRITERS === w, in order. */
const runWriters = async (ctx, label, streams, appendCall) => {
  const bar = ctx.progress(label, streams.length * CALLS_PER_STREAM * EVENTS_PER_CALL);
  const latencies = [];
  const start = nowMs();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let s = w; s < streams.length; s += WRITERS) {
        for (const call of callsOf(streams[s])) {
          const t0 = nowMs();
          await appendCall(streams[s].streamId, call);
          latencies.push(nowMs() - t0);
          bar.tick(call.events.length);
        }
      }
    }),
  );
  const elapsedMs = nowMs() - start;
  bar.done();
  return { elapsedMs, latency: summarise(latencies), calls: latencies.length };
};

const tableSize = async (url, relation) => {
  // Emmett partitions its messages table: sum the partitions (pg_partition_tree has no rows
  // for a plain table, hence the fallback).
  const { rows } = await query(
    url,
    `SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree($1::regclass)), pg_total_relation_size($1::regclass)) AS n`,
    [relation],
  );
  return Number(rows[0].n);
};

/** Rows for the bare tables: our column layout, positions 1..n in workload order. */
const rowsOf = (streams) => {
  const rows = [];
  let position = 0;
  for (const stream of streams)
    stream.events.forEach((e, revision) => {
      position++;
      rows.push([position, e.eventId, stream.streamId, revision, e.type, e.schemaVersion, e.data, e.metadata]);
    });
  return rows;
};

const unnestInsert = async (ctx, url, schema, rows, label) => {
  const pool = new Pool({ connectionString: url, max: WRITERS });
  try {
    await pool.query('SELECT 1');
    const chunks = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) chunks.push(rows.slice(i, i + ROWS_PER_INSERT));
    const sql = `INSERT INTO ${schema}.events (${COLUMNS.join(', ')})
                 SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])`;
    await checkpoint(url);
    const bar = ctx.progress(label, rows.length);
    const latencies = [];
    const start = nowMs();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const client = await pool.connect();
        try {
          for (let c = w; c < chunks.length; c += WRITERS) {
            const chunk = chunks[c];
            const t0 = nowMs();
            await client.query(
              sql,
              COLUMNS.map((_, i) => chunk.map((r) => (i >= 6 ? JSON.stringify(r[i]) : r[i]))),
            );
            latencies.push(nowMs() - t0);
            bar.tick(chunk.length);
          }
        } finally {
          client.release();
        }
      }),
    );
    const elapsedMs = nowMs() - start;
    bar.done();
    return { elapsedMs, latency: summarise(latencies), calls: latencies.length };
  } finally {
    await pool.end();
  }
};

const csvField = (value) => {
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const writeCsv = (file, rows) => {
  const fd = fs.openSync(file, 'w');
  try {
    let buffer = [];
    for (const row of rows) {
      buffer.push(row.map(csvField).join(','));
      if (buffer.length === 5000) {
        fs.writeSync(fd, `${buffer.join('\n')}\n`);
        buffer = [];
      }
    }
    if (buffer.length) fs.writeSync(fd, `${buffer.join('\n')}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
};

const runPsql = (url, command) =>
  new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${err.trim()}`))));
  });

const run = async (ctx) => {
  const { url, scale } = ctx;
  const target = scaled(FULL_EVENTS, scale, WRITERS * EVENTS_PER_CALL * CALLS_PER_STREAM);
  ctx.log(`building the workload: ~${int(target)} events, ${EVENTS_PER_CALL} per call, ${WRITERS} writers`);
  const { streams, totalEvents } = buildWorkload(target);
  const sample = streams[0].events[0];
  const dataBytes = Buffer.byteLength(JSON.stringify(sample.data));
  const metaBytes = Buffer.byteLength(JSON.stringify(sample.metadata));
  const warm = buildWorkload(WRITERS * EVENTS_PER_CALL * CALLS_PER_STREAM).streams.map((s, i) => ({
    ...s,
    streamId: `${s.streamId}-warmup${i}`,
  }));
  const results = {};

  // (a) our store.
  {
    const { PostgresEventStore } = ctx.lib.eventStore();
    const store = await PostgresEventStore.connect({ connectionString: url, schema: 'bench_ours', poolSize: WRITERS });
    try {
      const append = (streamId, call) =>
        store.append(streamId, call.events, { expected: call.revisionBefore < 0 ? 'no-stream' : call.revisionBefore });
      await runWriters({ ...ctx, progress: ctx.quietProgress }, 'warm-up', warm, append);
      await checkpoint(url);
      results.ours = await runWriters(ctx, 'vaxledger PostgresEventStore', streams, append);
      results.ours.size = await tableSize(url, 'bench_ours.events');
      const { rows } = await query(url, 'SELECT count(*)::int AS n FROM bench_ours.events');
      results.ours.stored = rows[0].n - warm.length * EVENTS_PER_CALL * CALLS_PER_STREAM;
      await settle(url, ['bench_ours.events', 'bench_ours.streams']);
    } finally {
      await store.close();
    }
  }

  // (b) Emmett. Its driver layer (dumbo) replaces pg's global type parsers for int8 and
  // json/jsonb (BigInt, its own JSON reader) the first time it opens a pool; that would leak
  // into every later suite of this process (BigInts in event payloads break the projections),
  // so the parsers are saved before and put back after.
  {
    const pgTypes = require('pg').types;
    const saved = [20, 114, 3802].map((oid) => [oid, pgTypes.getTypeParser(oid)]);
    const { getPostgreSQLEventStore } = require('@event-driven-io/emmett-postgresql');
    const store = getPostgreSQLEventStore(url);
    try {
      await store.schema.migrate();
      const append = (streamId, call) =>
        store.appendToStream(
          streamId,
          call.events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata })),
          { expectedStreamVersion: BigInt(call.revisionBefore + 1) },
        );
      await runWriters({ ...ctx, progress: ctx.quietProgress }, 'warm-up', warm, append);
      await checkpoint(url);
      results.emmett = await runWriters(ctx, 'Emmett PostgreSQL event store', streams, append);
      results.emmett.size = await tableSize(url, 'emt_messages');
      await settle(url, ['emt_messages', 'emt_streams']);
    } finally {
      await store.close();
      for (const [oid, parser] of saved) pgTypes.setTypeParser(oid, parser);
    }
  }

  const rows = rowsOf(streams);

  // (c) bare table, multi-row INSERT from unnest arrays.
  await query(url, bareTableSql('bench_raw'));
  results.raw = await unnestInsert(ctx, url, 'bench_raw', rows, `bulk INSERT … unnest (${ROWS_PER_INSERT} rows/statement)`);
  results.raw.size = await tableSize(url, 'bench_raw.events');
  await settle(url, ['bench_raw.events']);

  // (e) diagnostic: same insert into a table with our constraints (PK, unique event id, unique stream+revision).
  await query(url, indexedTableSql('bench_indexed'));
  results.indexed = await unnestInsert(ctx, url, 'bench_indexed', rows, 'bulk INSERT into a table with our 3 unique indexes');
  results.indexed.size = await tableSize(url, 'bench_indexed.events');
  await settle(url, ['bench_indexed.events']);

  // (d) COPY ceiling through psql \copy.
  const pgCopyStreams = (() => {
    try {
      require.resolve('pg-copy-streams');
      return true;
    } catch {
      return false;
    }
  })();
  const csv = path.join(ensureTmp(), `append-${process.pid}.csv`);
  try {
    ctx.log(`writing ${int(rows.length)} rows to ${path.relative(process.cwd(), csv)} for \\copy (not timed)`);
    const csvSize = writeCsv(csv, rows);
    await query(url, bareTableSql('bench_copy'));
    await checkpoint(url);
    ctx.log(`psql \\copy of ${bytes(csvSize)} …`);
    const start = nowMs();
    await runPsql(url, `\\copy bench_copy.events (${COLUMNS.join(', ')}) FROM '${csv.replace(/'/g, "''")}' WITH (FORMAT csv)`);
    const elapsedMs = nowMs() - start;
    const { rows: counted } = await query(url, 'SELECT count(*)::int AS n FROM bench_copy.events');
    if (counted[0].n !== rows.length) throw new Error(`\\copy stored ${counted[0].n} rows, expected ${rows.length}`);
    results.copy = { elapsedMs, csvSize, size: await tableSize(url, 'bench_copy.events') };
    ctx.log(`psql \\copy: ${int(rows.length)} rows in ${seconds(elapsedMs)} · ${int((rows.length * 1000) / elapsedMs)} rows/s`);
  } finally {
    fs.rmSync(csv, { force: true });
  }

  const eps = (r) => (totalEvents * 1000) / r.elapsedMs;
  const ours = eps(results.ours);
  const emmett = eps(results.emmett);
  const copy = eps(results.copy);
  const raw = eps(results.raw);
  const indexed = eps(results.indexed);
  const vsEmmett = ours / emmett;
  const vsCopy = ours / copy;
  if (results.ours.stored !== totalEvents) throw new Error(`our store holds ${results.ours.stored} events, expected ${totalEvents}`);

  const lat = (r) => `p50 ${ms(r.latency.p50)} / p99 ${ms(r.latency.p99)}`;
  const perEvent = (r) => `${int(r.size / totalEvents)} B/event`;

  // Descriptive, not causal: what each side does per call (read from Emmett 0.42's source).
  const perCall = `per call Emmett runs BEGIN, emt_append_to_stream(...) with every value inlined as an SQL literal, COMMIT; ours runs one append_events(...) statement with array parameters`;
  const emmettNote =
    vsEmmett >= 1.2
      ? `Emmett ${rate(emmett)}; ${perCall}.`
      : `Emmett ${rate(emmett)}; ${perCall}. Ours does more per event (event-id idempotency join, 3 unique indexes), see rows (c)–(e).`;
  const copyNote =
    vsCopy >= 0.3
      ? `COPY ${rate(copy)}: one stream into an unindexed heap. Indexes alone cost ${((1 - indexed / raw) * 100).toFixed(0)}% of the bulk insert rate (c → e).`
      : `COPY ${rate(copy)} into an unindexed heap. Index maintenance alone takes a plain bulk insert from ${rate(raw)} to ${rate(indexed)} (c → e); the rest is the append function (event-id idempotency join, stream row lock + update, position probe) and 100-event round trips.`;

  return {
    parameters: [
      `${int(totalEvents)} events = ${int(streams.length)} streams × ${CALLS_PER_STREAM} calls × ${EVENTS_PER_CALL} events (first call \`no-stream\`, second \`expected: 99\`), ${WRITERS} concurrent writers, each owning its streams.`,
      `Payload: DoseAdministered-like data of ${dataBytes} B JSON + ${metaBytes} B metadata per event; the very same events go to every target.`,
      `Bare-table targets have our column layout but no indexes or constraints; \`\\copy\` is one psql process (pg-copy-streams ${pgCopyStreams ? 'is' : 'is not'} installed), timed from spawn to exit, CSV written beforehand.`,
      `A CHECKPOINT precedes every timed phase; ${WRITERS * CALLS_PER_STREAM} warm-up calls per store are not counted.`,
    ],
    rows: [
      {
        metric: '(a) vaxledger PostgresEventStore',
        measured: rate(ours),
        target: '—',
        status: 'INFO',
        note: `${lat(results.ours)} per 100-event call; ${perEvent(results.ours)} on disk`,
      },
      {
        metric: '(b) Emmett PostgreSQL event store',
        measured: rate(emmett),
        target: '—',
        status: 'INFO',
        note: `${lat(results.emmett)} per call; ${perEvent(results.emmett)} on disk`,
      },
      {
        metric: `(c) bulk INSERT … unnest, ${ROWS_PER_INSERT} rows/stmt, bare table`,
        measured: rate(raw),
        target: '—',
        status: 'INFO',
        note: `${lat(results.raw)} per statement`,
      },
      {
        metric: '(d) psql \\copy, bare table (ceiling)',
        measured: rate(copy),
        target: '—',
        status: 'INFO',
        note: `${seconds(results.copy.elapsedMs)} for ${bytes(results.copy.csvSize)} of CSV`,
      },
      {
        metric: '(e) diagnostic: bulk INSERT into a table with our 3 unique indexes',
        measured: rate(indexed),
        target: '—',
        status: 'INFO',
        note: 'same rows as (c); shows the cost of index maintenance alone',
      },
      {
        metric: 'ours ÷ Emmett',
        measured: ratio(vsEmmett),
        target: '≥ 1.20×',
        status: vsEmmett >= 1.2 ? 'MET' : 'MISSED',
        note: emmettNote,
      },
      { metric: 'ours ÷ COPY', measured: ratio(vsCopy), target: '≥ 0.30×', status: vsCopy >= 0.3 ? 'MET' : 'MISSED', note: copyNote },
    ],
    details: table(
      ['Target', 'Wall time', 'Events/s', 'Calls', 'Call p50', 'Call p99', 'Table + indexes'],
      [
        [
          '(a) ours',
          seconds(results.ours.elapsedMs),
          int(ours),
          int(results.ours.calls),
          ms(results.ours.latency.p50),
          ms(results.ours.latency.p99),
          bytes(results.ours.size),
        ],
        [
          '(b) Emmett',
          seconds(results.emmett.elapsedMs),
          int(emmett),
          int(results.emmett.calls),
          ms(results.emmett.latency.p50),
          ms(results.emmett.latency.p99),
          bytes(results.emmett.size),
        ],
        [
          '(c) unnest INSERT, bare',
          seconds(results.raw.elapsedMs),
          int(raw),
          int(results.raw.calls),
          ms(results.raw.latency.p50),
          ms(results.raw.latency.p99),
          bytes(results.raw.size),
        ],
        ['(d) \\copy, bare', seconds(results.copy.elapsedMs), int(copy), '1', '—', '—', bytes(results.copy.size)],
        [
          '(e) unnest INSERT, 3 unique indexes',
          seconds(results.indexed.elapsedMs),
          int(indexed),
          int(results.indexed.calls),
          ms(results.indexed.latency.p50),
          ms(results.indexed.latency.p99),
          bytes(results.indexed.size),
        ],
      ],
    ),
    data: { totalEvents, eventsPerSecond: { ours, emmett, raw, copy, indexed } },
  };
};

module.exports = { name: 'append', title: 'Batched append', run };
