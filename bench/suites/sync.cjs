'use strict';
/**
 * 6. Cross-province sync over the real Kafka broker (issue 4): province A's relay publishes,
 * province B's consumer imports into its own log, and B's projector builds its person
 * records.
 *  - catch-up: A's log holds a backlog of 100,000 events (scaled) already on Kafka; B starts
 *    from nothing; imported events/s until B's log holds them all (target ≥ 10,000/s);
 *  - lag: A appends at 1,000 events/s for 20 s while B runs; for every 10th event, the time
 *    from A's append returning to the dose being visible in B's person-record read model
 *    (target p99 < 2 s).
 * Needs KAFKA_BROKERS, or starts a broker with deploy/local/kafka (and stops it after).
 */
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Pool } = require('pg');
const { loadLib } = require('../lib/load.cjs');
const { REPO_DIR } = require('../lib/env.cjs');
const { nowMs, summarise, int, ms } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');

const A = '510000';
const B = '440000';
const CATCHUP_TARGET = 10_000;
const LAG_P99_TARGET_MS = 2000;

const doses = (personId, n) =>
  Array.from({ length: n }, (_, i) => ({
    eventId: crypto.randomUUID(),
    type: 'DoseAdministered',
    schemaVersion: 1,
    data: {
      personId,
      siteCode: '12510000MB0A1234XJ',
      administeredAt: '2026-11-20T10:00:00+08:00',
      batchId: '8696321-L1',
      productCode: '8696321',
      traceCode: null,
      vaccineType: 'Rabies',
      doseNumber: i + 1,
      vaccinatorRef: 'V-1',
      route: 'IM',
    },
    metadata: {
      originProvince: A,
      correlationId: crypto.randomUUID(),
      actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A },
    },
  }));
const personId = () => `p1${crypto.randomBytes(16).toString('hex').slice(0, 26)}`;
const sleep = (msValue) => new Promise((r) => setTimeout(r, msValue));

const run = async (ctx) => {
  const { PostgresEventStore } = ctx.lib.eventStore();
  const { ReadModels } = ctx.lib.projections();
  const { OutboxRelay, InboxConsumer, SyncStore } = loadLib('sync');
  const { Kafka, logLevel } = require('kafkajs');
  let brokers = process.env.KAFKA_BROKERS;
  let startedBroker = false;
  if (!brokers) {
    ctx.log('KAFKA_BROKERS not set: starting deploy/local/kafka');
    execFileSync('bash', [path.join(REPO_DIR, 'deploy/local/kafka'), 'start'], { stdio: 'inherit' });
    brokers = `127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`;
    startedBroker = true;
  }
  const kafka = new Kafka({ clientId: 'vx-bench-sync', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const prefix = `vxbench-${crypto.randomUUID().slice(0, 8)}`;
  const pool = new Pool({ connectionString: ctx.url, max: 4 });
  const storeA = await PostgresEventStore.connect({ connectionString: ctx.url, schema: 'sync_a', poolSize: 8, pollIntervalMs: 10 });
  const storeB = await PostgresEventStore.connect({ connectionString: ctx.url, schema: 'sync_b', poolSize: 8, pollIntervalMs: 10 });
  const syncA = new SyncStore(pool, 'sync_state_a');
  const syncB = new SyncStore(pool, 'sync_state_b');
  await syncA.migrate();
  await syncB.migrate();
  const relay = new OutboxRelay(kafka, storeA, syncA, { provinceCode: A, topicPrefix: prefix, batchSize: 2000 });
  const inbox = new InboxConsumer(kafka, storeB, syncB, { provinceCode: B, origins: [A], topicPrefix: prefix, groupId: `${prefix}-b` });
  let models = null;
  try {
    // Catch-up: the backlog goes to Kafka before B starts.
    const backlog = Math.max(1000, Math.round(100_000 * ctx.scale));
    const bar = ctx.progress('backlog in A', backlog, 'events');
    const work = Array.from({ length: backlog / 5 }, () => doses(personId(), 5));
    const writers = Array.from({ length: 4 }, async () => {
      for (let events = work.shift(); events; events = work.shift()) {
        await storeA.append(`person-${A}-${events[0].data.personId}`, events, { expected: 'no-stream' });
        bar.tick(events.length);
      }
    });
    await Promise.all(writers);
    bar.done();
    await relay.start();
    const publishStart = nowMs();
    while (relay.publishedCount < backlog) await sleep(50);
    const publishMs = nowMs() - publishStart;
    ctx.log(`relay published ${int(backlog)} events in ${(publishMs / 1000).toFixed(1)} s`);
    const countB = async () =>
      Number((await pool.query("SELECT count(*) AS n FROM sync_b.events WHERE metadata->>'originProvince' = $1", [A])).rows[0].n);
    // Commits of the whole database during the catch-up (only B's consumer writes then).
    const commits = async () =>
      Number((await pool.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit);
    const commitsBefore = await commits();
    const importStart = nowMs();
    await inbox.start();
    let imported = 0;
    // The consumer's own count first (free), then the log itself: a count(*) over B's events
    // every 100 ms took a share of the two cores the import runs on.
    while (inbox.importedCount < backlog) await sleep(20);
    while ((imported = await countB()) < backlog) await sleep(20);
    const importMs = nowMs() - importStart;
    const catchupRate = backlog / (importMs / 1000);
    // Statistics reach pg_stat_database within a second of a backend going idle.
    await sleep(1500);
    const commitsPerEvent = (await commits()) - commitsBefore;
    ctx.log(
      `B imported ${int(backlog)} events in ${(importMs / 1000).toFixed(1)} s: ${int(catchupRate)} events/s, ${(commitsPerEvent / backlog).toFixed(3)} commits per event`,
    );

    // Lag at a sustained rate, through to B's person-record read model.
    models = await ReadModels.open(storeB, { connectionString: ctx.url, schema: 'sync_rm_b' });
    models.runner.start();
    while (models.runner.lowestPosition < (await storeB.headPosition())) await sleep(200);
    const seconds = Math.max(5, Math.round(20 * Math.min(1, ctx.scale * 10)));
    const perSecond = 1000;
    const pending = new Map();
    const lags = [];
    let running = true;
    const poller = (async () => {
      while (running || pending.size > 0) {
        const ids = [...pending.keys()];
        if (ids.length > 0) {
          const { rows } = await pool.query('SELECT "eventId" FROM sync_rm_b.rm_dose WHERE "eventId" = ANY($1::uuid[])', [ids]);
          const now = nowMs();
          for (const row of rows) {
            lags.push(now - pending.get(row.eventId));
            pending.delete(row.eventId);
          }
        }
        await sleep(10);
        if (!running && nowMs() - stopAt > 30_000) break;
      }
    })();
    let stopAt = Infinity;
    const loadStart = nowMs();
    let sent = 0;
    while (nowMs() - loadStart < seconds * 1000) {
      const due = Math.floor(((nowMs() - loadStart) / 1000) * perSecond);
      while (sent < due) {
        const events = doses(personId(), 5);
        await storeA.append(`person-${A}-${events[0].data.personId}`, events, { expected: 'no-stream' });
        const at = nowMs();
        for (let i = 0; i < events.length; i++) if ((sent + i) % 10 === 0) pending.set(events[i].eventId, at);
        sent += events.length;
      }
      await sleep(5);
    }
    running = false;
    stopAt = nowMs();
    await poller;
    const achieved = sent / ((stopAt - loadStart) / 1000);
    const lag = summarise(lags);
    const lost = pending.size;
    const catchupMet = catchupRate >= CATCHUP_TARGET;
    const lagMet = lag.p99 < LAG_P99_TARGET_MS && lost === 0;
    return {
      parameters: [
        `Two provinces on one PostgreSQL server (separate schemas) and the local single-node Kafka broker; A's relay and B's consumer run in this process. Events: DoseAdministered, 5 per person stream.`,
        `Catch-up: ${int(backlog)} events appended in A and published (relay: ${(publishMs / 1000).toFixed(1)} s) before B's consumer starts; time from start to the last event in B's log.`,
        `Lag: ${int(achieved)} events/s offered for ${seconds} s (target load 1,000/s); every 10th event timed from A's append to its row in B's person-record read model (projector running in B), polled every 10 ms.`,
      ],
      rows: [
        {
          metric: 'catch-up after a backlog, events imported per second',
          measured: `${int(catchupRate)} events/s (${int(backlog)} in ${(importMs / 1000).toFixed(1)} s; ${(commitsPerEvent / backlog).toFixed(3)} commits per event)`,
          target: `≥ ${int(CATCHUP_TARGET)} events/s`,
          status: catchupMet ? 'MET' : 'MISSED',
          note: catchupMet
            ? ''
            : 'PostgreSQL CPU in append_events, one call per stream run (dedupe, leaf hashes, guard operations per event); the consumer process is idle about two thirds of the catch-up (profiled on 2026-12-06)',
        },
        {
          metric: `sync lag A append → B person record at ${int(achieved)} events/s, p99`,
          measured: `${ms(lag.p99)} (p50 ${ms(lag.p50)}, max ${ms(lag.max)}, ${int(lag.count)} samples${lost ? `, ${lost} never seen` : ''})`,
          target: `p99 < ${LAG_P99_TARGET_MS} ms`,
          status: lagMet ? 'MET' : 'MISSED',
          note: '',
        },
      ],
      details: table(
        ['Phase', 'Events', 'Seconds', 'Rate'],
        [
          ['relay publish (backlog)', int(backlog), (publishMs / 1000).toFixed(1), `${int(backlog / (publishMs / 1000))} events/s`],
          ['consumer import (backlog)', int(backlog), (importMs / 1000).toFixed(1), `${int(catchupRate)} events/s`],
          ['sustained load', int(sent), ((stopAt - loadStart) / 1000).toFixed(1), `${int(achieved)} events/s`],
        ],
      ),
      data: { catchupRate, commitsPerEvent: commitsPerEvent / backlog, lag, backlog, publishMs, importMs, achieved },
    };
  } finally {
    await inbox.stop().catch(() => undefined);
    await relay.stop().catch(() => undefined);
    if (models) await models.close().catch(() => undefined);
    await storeA.close();
    await storeB.close();
    await pool.end();
    if (startedBroker) execFileSync('bash', [path.join(REPO_DIR, 'deploy/local/kafka'), 'stop'], { stdio: 'inherit' });
  }
};

module.exports = { name: 'sync', title: 'Cross-province sync over Kafka', run };
