'use strict';
/**
 * 2. Single-event appends: 1 and 8 concurrent writers, each appending one event at a time
 * to its own streams with the expected revision, for a fixed time; against pgbench running
 * an insert-only script (one row with a jsonb payload of the same size) at the same
 * concurrency on the same server. Two pgbench diagnostics split the gap: pgbench inserting
 * a row of our events table's shape (metadata, three unique indexes) with a plain INSERT,
 * and pgbench calling our append_events() function directly (same server work as the
 * store, C client instead of Node).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ensureTmp } = require('../lib/env.cjs');
const { query, settle } = require('../lib/db.cjs');
const { nowMs, summarise, int, ms, ratio, fixed } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');
const { personIdOf, personStreamOf, doseData, doseMetadata, clinicCode, instantOf, uuid } = require('../lib/fixtures.cjs');

const STREAMS_PER_WRITER = 50;
const ROUNDS = 2;
const CONCURRENCY = [1, 8];
const TARGET_EPS_8 = 3000;
const TARGET_RATIO = 0.5;

/** Total seconds per side and concurrency (split over ROUNDS); 10 s at full scale, at least 4. */
const durationSeconds = (scale) => Math.max(4, Math.round(10 * Math.min(scale, 1)));

const walLsn = async (url) => (await query(url, 'SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
const walSince = async (url, lsn) =>
  Number((await query(url, 'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS n', [lsn])).rows[0].n);

const payloadFor = (n) => {
  const personId = personIdOf(`single-${n}`);
  const siteCode = clinicCode(n % 200);
  const at = instantOf(n);
  return {
    personId,
    data: doseData({
      personId,
      siteCode,
      administeredAt: at,
      batchId: '869632100-202611A001',
      productCode: '869632100',
      vaccineType: 'HepB',
      doseNumber: 1,
    }),
    metadata: doseMetadata(siteCode, at),
  };
};

/**
 * Samples what the store's backends are doing every 10 ms (pg_stat_activity wait events):
 * tells a WAL-flush-bound run from a lock- or CPU-bound one.
 */
const waitSampler = async (url) => {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, application_name: 'vaxledger-bench-sampler' });
  await client.connect();
  const counts = new Map();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w FROM pg_stat_activity
          WHERE application_name = 'vaxledger-event-store' AND state = 'active'`,
      );
      for (const r of rows) counts.set(r.w, (counts.get(r.w) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w, n]) => ({ wait: w, share: total ? n / total : 0 }));
    },
  };
};

const topWaits = (waits, n = 3) =>
  waits
    .slice(0, n)
    .map((w) => `${w.wait} ${(100 * w.share).toFixed(0)}%`)
    .join(', ');

/** Our store: `writers` loops, each cycling over its own streams with exact expected revisions. */
const runOurs = async (ctx, store, writers, seconds, label, quiet = false) => {
  const latencies = [];
  const deadline = nowMs() + seconds * 1000;
  const start = nowMs();
  let events = 0;
  let errors = 0;
  const name = `vaxledger append, ${writers} writer${writers > 1 ? 's' : ''}`;
  const ticker = quiet
    ? null
    : setInterval(
        () =>
          ctx.log(
            `${name}: ${int(events)} events in ${((nowMs() - start) / 1000).toFixed(0)}/${seconds} s · ${int((events * 1000) / (nowMs() - start))} events/s`,
          ),
        3000,
      );
  try {
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const streams = Array.from({ length: STREAMS_PER_WRITER }, (_, k) => {
          const p = payloadFor(`${label}-${writers}-${w}-${k}`);
          return { streamId: personStreamOf(p.personId), revision: null, data: p.data, metadata: p.metadata };
        });
        for (let i = 0; nowMs() < deadline; i++) {
          const s = streams[i % STREAMS_PER_WRITER];
          const event = { eventId: uuid(), type: 'DoseAdministered', schemaVersion: 1, data: s.data, metadata: s.metadata };
          const t0 = nowMs();
          try {
            const result = await store.append(s.streamId, [event], { expected: s.revision === null ? 'no-stream' : s.revision });
            s.revision = result.revision;
            events++;
            latencies.push(nowMs() - t0);
          } catch (error) {
            errors++;
            if (errors > 100) throw error;
          }
        }
      }),
    );
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const elapsedMs = nowMs() - start;
  const eventsPerSecond = (events * 1000) / elapsedMs;
  if (!quiet)
    ctx.log(
      `${name}: ${int(events)} events in ${(elapsedMs / 1000).toFixed(1)} s · ${int(eventsPerSecond)} events/s${errors ? ` · ${errors} errors` : ''}`,
    );
  return { eventsPerSecond, events, errors, latencies, elapsedMs };
};

const runPgbench = (url, script, clients, seconds) =>
  new Promise((resolve, reject) => {
    const threads = Math.min(clients, 2);
    const args = ['-n', '-f', script, '-c', String(clients), '-j', String(threads), '-T', String(Math.round(seconds)), url];
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pgbench exited ${code}: ${out.trim()}`));
      const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(out);
      const latency = /latency average = ([0-9.]+) ms/.exec(out);
      const processed = /number of transactions actually processed: (\d+)/.exec(out);
      if (!tps) return reject(new Error(`cannot read tps from pgbench output:\n${out}`));
      resolve({
        tps: Number(tps[1]),
        latencyAvg: latency ? Number(latency[1]) : NaN,
        transactions: processed ? Number(processed[1]) : NaN,
        command: `pgbench ${args.slice(0, -1).join(' ')} <db>`,
      });
    });
  });

const run = async (ctx) => {
  const { url, scale } = ctx;
  const seconds = durationSeconds(scale);
  const { PostgresEventStore } = ctx.lib.eventStore();

  // pgbench's table: a row with a jsonb payload of the same size as our event data, a bigserial key.
  await query(
    url,
    `CREATE SCHEMA bench_pgb;
     CREATE TABLE bench_pgb.events (id bigserial PRIMARY KEY, stream_id text NOT NULL, data jsonb NOT NULL,
                                    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const sample = payloadFor('pgbench');
  const json = JSON.stringify(sample.data);
  const meta = JSON.stringify(sample.metadata);
  const lit = (text) => `'${text.replace(/'/g, "''")}'`;
  const tmp = ensureTmp();
  const scripts = {
    pgbench: path.join(tmp, `pgbench-insert-${process.pid}.sql`),
    row: path.join(tmp, `pgbench-row-${process.pid}.sql`),
    fn: path.join(tmp, `pgbench-fn-${process.pid}.sql`),
  };
  fs.writeFileSync(
    scripts.pgbench,
    `\\set n random(1, 1000000000)\nINSERT INTO bench_pgb.events (stream_id, data) VALUES ('person-510000-' || :n, ${lit(json)}::jsonb);\n`,
  );
  // Diagnostic 1: our row shape (event id, stream + revision, type, data, metadata; 3 unique indexes), plain INSERT.
  await query(
    url,
    `CREATE SCHEMA bench_row;
     CREATE TABLE bench_row.events (position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream_id text NOT NULL,
       revision bigint NOT NULL, type text NOT NULL, schema_version int NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(), UNIQUE (stream_id, revision))`,
  );
  fs.writeFileSync(
    scripts.row,
    // A fresh 28-character stream id per row (same length as a person id): revision 0 never collides.
    `INSERT INTO bench_row.events (event_id, stream_id, revision, type, schema_version, data, metadata) VALUES (gen_random_uuid(), 'person-510000-p1' || substr(md5(random()::text), 1, 26), 0, 'DoseAdministered', 1, ${lit(json)}::jsonb, ${lit(meta)}::jsonb);\n`,
  );
  // Diagnostic 2: the store's own append_events(), called by pgbench. pgbench cannot track
  // revisions, so it appends with expected 'any' to 50 streams per client (same lock + update path).
  fs.writeFileSync(
    scripts.fn,
    `\\set k random(1, ${STREAMS_PER_WRITER})\nSELECT * FROM bench_single.append_events('person-510000-diag' || :client_id || '-' || :k, 0, NULL, ARRAY[gen_random_uuid()], ARRAY['DoseAdministered'], ARRAY[1], ARRAY[${lit(json)}::jsonb], ARRAY[${lit(meta)}::jsonb]);\n`,
  );

  const store = await PostgresEventStore.connect({ connectionString: url, schema: 'bench_single', poolSize: Math.max(...CONCURRENCY) });
  const results = {};
  const relations = ['bench_single.events', 'bench_single.streams', 'bench_pgb.events', 'bench_row.events'];
  const pgbenchPhase = async (script, writers, secs, label) => {
    await settle(url, relations);
    const before = await walLsn(url);
    const r = await runPgbench(url, script, writers, secs);
    ctx.log(`${label} -c ${writers} -T ${Math.round(secs)}: ${fixed(r.tps, 0)} tps, latency avg ${fixed(r.latencyAvg, 3)} ms`);
    return { ...r, wal: await walSince(url, before) };
  };
  try {
    // Warm-up: connections, plan cache.
    await runOurs(ctx, store, Math.max(...CONCURRENCY), 1, 'warmup', true);
    for (const writers of CONCURRENCY) {
      // Two rounds, ours and pgbench alternating (ABBA), so a drift in the disk's flush latency
      // during the measurement does not favour one side.
      const ours = { events: 0, elapsedMs: 0, errors: 0, latencies: [], wal: 0, waits: new Map() };
      const pg = { transactions: 0, elapsedMs: 0, latencyWeighted: 0, wal: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const phases = round % 2 === 0 ? ['ours', 'pgbench'] : ['pgbench', 'ours'];
        for (const phase of phases) {
          if (phase === 'ours') {
            await settle(url, relations);
            const before = await walLsn(url);
            const sampler = await waitSampler(url);
            const r = await runOurs(ctx, store, writers, seconds / ROUNDS, `timed-${round}`);
            for (const w of await sampler.stop()) ours.waits.set(w.wait, (ours.waits.get(w.wait) ?? 0) + w.share / ROUNDS);
            ours.events += r.events;
            ours.elapsedMs += r.elapsedMs;
            ours.errors += r.errors;
            for (const l of r.latencies) ours.latencies.push(l);
            ours.wal += await walSince(url, before);
          } else {
            const r = await pgbenchPhase(scripts.pgbench, writers, seconds / ROUNDS, 'pgbench insert');
            pg.transactions += r.transactions;
            pg.elapsedMs += (r.transactions / r.tps) * 1000;
            pg.latencyWeighted += r.latencyAvg * r.transactions;
            pg.wal += r.wal;
          }
        }
      }
      const row = await pgbenchPhase(scripts.row, writers, seconds / ROUNDS, 'diagnostic: pgbench, our row shape');
      const fn = await pgbenchPhase(scripts.fn, writers, seconds / ROUNDS, 'diagnostic: pgbench → append_events()');
      results[writers] = {
        ours: {
          eventsPerSecond: (ours.events * 1000) / ours.elapsedMs,
          events: ours.events,
          errors: ours.errors,
          latency: summarise(ours.latencies),
          walPerEvent: ours.wal / ours.events,
          waits: [...ours.waits.entries()].sort((a, b) => b[1] - a[1]).map(([wait, share]) => ({ wait, share })),
        },
        pgbench: {
          tps: (pg.transactions * 1000) / pg.elapsedMs,
          transactions: pg.transactions,
          latencyAvg: pg.latencyWeighted / pg.transactions,
          walPerRow: pg.wal / pg.transactions,
        },
        row: { tps: row.tps, latencyAvg: row.latencyAvg, walPerRow: row.wal / row.transactions },
        fn: { tps: fn.tps, latencyAvg: fn.latencyAvg, walPerRow: fn.wal / fn.transactions },
      };
      ctx.log(
        `${writers} writer(s): ours ${int(results[writers].ours.eventsPerSecond)} events/s, pgbench ${int(results[writers].pgbench.tps)} tps`,
      );
    }
  } finally {
    await store.close();
    for (const file of Object.values(scripts)) fs.rmSync(file, { force: true });
  }

  const rows = [];
  /** Where the gap to pgbench goes, from the two diagnostics run at the same concurrency. */
  const split = (r) =>
    `pgbench ${int(r.pgbench.tps)} tps → our row shape by plain INSERT ${int(r.row.tps)} (${int(r.row.walPerRow)} vs ${int(r.pgbench.walPerRow)} B WAL/row) → our append_events() called from pgbench ${int(r.fn.tps)} → through the Node store ${int(r.ours.eventsPerSecond)}`;
  for (const writers of CONCURRENCY) {
    const r = results[writers];
    const { ours, pgbench } = r;
    const x = ours.eventsPerSecond / pgbench.tps;
    rows.push({
      metric: `ours ÷ pgbench, ${writers} writer${writers > 1 ? 's' : ''}`,
      measured: `${ratio(x)} (${int(ours.eventsPerSecond)} vs ${int(pgbench.tps)} tps)`,
      target: `≥ ${TARGET_RATIO.toFixed(2)}×`,
      status: x >= TARGET_RATIO ? 'MET' : 'MISSED',
      note: `${split(r)}: append_events() runs at ${ratio(r.fn.tps / r.row.tps)} of a plain INSERT of the same row, the Node store at ${ratio(ours.eventsPerSecond / r.fn.tps)} of pgbench calling it; store backends: ${topWaits(ours.waits)}`,
    });
  }
  const eight = results[8].ours;
  rows.push({
    metric: 'single appends/s with 8 writers',
    measured: `${int(eight.eventsPerSecond)} events/s`,
    target: `≥ ${int(TARGET_EPS_8)} events/s`,
    status: eight.eventsPerSecond >= TARGET_EPS_8 ? 'MET' : 'MISSED',
    note:
      eight.eventsPerSecond >= TARGET_EPS_8
        ? `one commit per event, synchronous_commit=on; p50 ${ms(eight.latency.p50)}, p99 ${ms(eight.latency.p99)}`
        : `one commit (WAL flush) per event with synchronous_commit=on; store backends: ${topWaits(eight.waits)}`,
  });

  return {
    parameters: [
      `${seconds} s per side and concurrency, as ${ROUNDS} alternating rounds (ours, pgbench, pgbench, ours) with VACUUM + CHECKPOINT before each; writers each own ${STREAMS_PER_WRITER} streams and append one DoseAdministered event per call with the exact expected revision (\`no-stream\` first).`,
      `Event: ${Buffer.byteLength(json)} B data + ${Buffer.byteLength(JSON.stringify(sample.metadata))} B metadata; the store's pool has 8 connections.`,
      `pgbench: \`-n -f insert.sql -c N -j min(N,2) -T ${Math.round(seconds / ROUNDS)}\` per round; the script inserts one row (\`bigserial\` PK, text stream id, the same ${Buffer.byteLength(json)} B jsonb) per transaction.`,
      'Our figure includes the Node client (pg driver, JSON encoding) running on the same 2 cores as the server; pgbench is a C client.',
      `Diagnostics (${Math.round(seconds / ROUNDS)} s each, after the rounds): pgbench inserting our events table's row shape (same data + metadata, 3 unique indexes) with a plain INSERT, and pgbench calling the store's \`append_events()\` directly with expected \`any\` on 50 streams per client.`,
    ],
    rows,
    details: table(
      [
        'Writers',
        'ours events/s',
        'ours p50',
        'ours p99',
        'ours max',
        'ours WAL/event',
        'pgbench tps',
        'pgbench avg latency',
        'pgbench WAL/row',
        'ratio',
        'diag: row shape INSERT tps',
        'diag: pgbench → append_events() tps',
        'store backends were',
      ],
      CONCURRENCY.map((w) => {
        const { ours, pgbench } = results[w];
        return [
          String(w),
          int(ours.eventsPerSecond),
          ms(ours.latency.p50),
          ms(ours.latency.p99),
          ms(ours.latency.max),
          `${int(ours.walPerEvent)} B`,
          int(pgbench.tps),
          `${fixed(pgbench.latencyAvg, 3)} ms`,
          `${int(pgbench.walPerRow)} B`,
          ratio(ours.eventsPerSecond / pgbench.tps),
          int(results[w].row.tps),
          int(results[w].fn.tps),
          topWaits(ours.waits, 4),
        ];
      }),
    ),
    data: Object.fromEntries(
      CONCURRENCY.map((w) => [
        w,
        { ours: results[w].ours.eventsPerSecond, pgbench: results[w].pgbench.tps, row: results[w].row.tps, fn: results[w].fn.tps },
      ]),
    ),
  };
};

module.exports = { name: 'single-append', title: 'Single-event appends', run };
