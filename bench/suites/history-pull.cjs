'use strict';
/**
 * 7. Records from elsewhere through the national hub (issue 4): province A holds a person's
 * dose; province B, which has never seen the person, asks for the history (what a clinic's
 * first lookup does); the time until the dose is in B's person-record read model is the
 * latency a clinic waits. Three whole node runtimes (hub 000000, A 510000, B 440000) run in
 * this process, each with its own schemas on the bench database, over the real broker.
 * Target: p99 < 1 s.
 */
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { REPO_DIR } = require('../lib/env.cjs');
const { nowMs, summarise, int, ms } = require('../lib/stats.cjs');

const A = '510000';
const B = '440000';
const HUB = '000000';
const TARGET_P99_MS = 1000;
const sleep = (msValue) => new Promise((r) => setTimeout(r, msValue));
const distFile = (...parts) => path.join(REPO_DIR, 'dist', ...parts);
const personId = () =>
  `p1${crypto
    .randomBytes(16)
    .toString('hex')
    .replace(/[018-9]/g, 'a')
    .slice(0, 26)}`;

const dose = (person) => ({
  eventId: crypto.randomUUID(),
  type: 'DoseAdministered',
  schemaVersion: 1,
  data: {
    personId: person,
    siteCode: '12510000MB0A1234XJ',
    administeredAt: '2026-11-20T10:00:00+08:00',
    batchId: '8696321-L1',
    productCode: '8696321',
    traceCode: null,
    vaccineType: 'HepB',
    doseNumber: 1,
    vaccinatorRef: 'V-1',
    route: 'IM',
  },
  metadata: {
    originProvince: A,
    correlationId: crypto.randomUUID(),
    actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A },
  },
});

const run = async (ctx) => {
  const { loadSettings } = require(distFile('libs', 'config', 'src', 'settings.js'));
  const { openNodeRuntime } = require(distFile('apps', 'api', 'src', 'infrastructure', 'node-runtime.js'));
  let brokers = process.env.KAFKA_BROKERS;
  let startedBroker = false;
  if (!brokers) {
    ctx.log('KAFKA_BROKERS not set: starting deploy/local/kafka');
    execFileSync('bash', [path.join(REPO_DIR, 'deploy/local/kafka'), 'start'], { stdio: 'inherit' });
    brokers = `127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`;
    startedBroker = true;
  }
  const prefix = `vxpull-${crypto.randomUUID().slice(0, 8)}`;
  const node = async (province, extra) => {
    // Settings loaded as for the embedded default (no signing keys needed), then pointed at the bench database.
    const settings = loadSettings({
      PSEUDONYM_SECRET: 'vaxledger-bench-pseudonym-secret',
      VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      LOG_LEVEL: 'silent',
      PROVINCE_CODE: province,
      KAFKA_BROKERS: brokers,
      SYNC_MODE: 'hub',
      SYNC_TOPIC_PREFIX: prefix,
      ...extra,
    });
    const tag = `pull_${province.slice(0, 2)}`;
    return openNodeRuntime(
      { ...settings, databaseUrl: ctx.url, embedded: false },
      {
        eventSchema: `${tag}_es`,
        readSchema: `${tag}_rm`,
        vaultSchema: `${tag}_vault`,
        syncSchema: `${tag}_sync`,
        syncGroupId: `${prefix}-${province}`,
      },
    );
  };
  const nodes = [];
  try {
    const hub = await node(HUB, { SYNC_PEERS: `${A},${B}` });
    nodes.push(hub);
    const a = await node(A, {});
    nodes.push(a);
    const b = await node(B, {});
    nodes.push(b);
    const persons = Math.max(20, Math.round(200 * Math.min(1, ctx.scale * 10)));
    const bar = ctx.progress('persons dosed in A', persons, 'persons');
    const ids = [];
    for (let i = 0; i < persons; i++) {
      const id = personId();
      ids.push(id);
      await a.store.append(`person-${A}-${id}`, [dose(id)], { expected: 'no-stream' });
      bar.tick(1);
    }
    bar.done();
    // The hub must know every person before B asks (otherwise there is nobody to ask).
    const deadline = nowMs() + 120_000;
    for (const id of ids) {
      while ((await hub.sync.store.interested(id)).length === 0) {
        if (nowMs() > deadline) throw new Error('the hub did not index the persons within 2 minutes');
        await sleep(20);
      }
    }
    // One lookup at a time, as clinics do; each timed until the dose is in B's read model.
    const latencies = [];
    const pulls = ctx.progress('history pulls in B', persons, 'pulls');
    for (const id of ids) {
      const t0 = nowMs();
      await b.sync.history.request(id);
      while ((await b.readModels.doses(id)).length === 0) {
        if (nowMs() - t0 > 30_000) throw new Error(`no history for ${id} after 30 s`);
        await sleep(5);
      }
      latencies.push(nowMs() - t0);
      pulls.tick(1);
    }
    pulls.done();
    const lat = summarise(latencies);
    const met = lat.p99 < TARGET_P99_MS;
    return {
      parameters: [
        `Hub (000000), A (510000) and B (440000) as whole node runtimes in this process (relay, inbox, hub router, history service, projector each), one PostgreSQL server, the local single-node Kafka broker.`,
        `${int(persons)} persons with one dose each in A, indexed by the hub; then, one at a time, B asks for a person's history (the call POST /v1/persons/lookup makes) and polls its person-record read model every 5 ms until the dose is there.`,
      ],
      rows: [
        {
          metric: 'history pull through the hub: B asks → A’s dose in B’s person record, p99',
          measured: `${ms(lat.p99)} (p50 ${ms(lat.p50)}, max ${ms(lat.max)}, ${int(lat.count)} pulls)`,
          target: `p99 < ${TARGET_P99_MS} ms`,
          status: met ? 'MET' : 'MISSED',
          note: met
            ? ''
            : 'four Kafka hops (B→hub control, hub→A control, A events, hub forward) each waiting for a consumer fetch, then B’s projector',
        },
      ],
      details: '',
      data: { latency: lat, persons },
    };
  } finally {
    for (const n of nodes.reverse()) await n.close().catch(() => undefined);
    if (startedBroker) execFileSync('bash', [path.join(REPO_DIR, 'deploy/local/kafka'), 'stop'], { stdio: 'inherit' });
  }
};

module.exports = { name: 'history-pull', title: 'Records from elsewhere: history pull through the hub', run };
