'use strict';
/**
 * The log the rebuild and query benchmarks work on, written through PostgresEventStore.append:
 *
 *   organisations (1 MAH, 1 provincial CDC, 1 regulator, 200 clinics), 5 products,
 *   50 batches (BatchProduced + BatchReleased), MAH → CDC shipments (dispatch + receipt),
 *   CDC → clinic shipments (one per clinic, one line per batch it uses, dispatch + receipt),
 *   then one DoseAdministered per person on `person-510000-<personId>`.
 *
 * Each clinic stocks 10 of the 50 batches. Batch 0 gets exactly HOT_RECIPIENTS doses (10,000),
 * spread evenly over the log; the other doses go to a pseudo-random clinic (fixed seed) and
 * one of the other batches it stocks. Stock figures (batch quantities, shipment lines) are derived from the dose
 * plan so the inventory projections see a consistent story.
 *
 * Generation is set-up, not a measurement: its connections run with synchronous_commit=off
 * to save WAL flushes (commits are still ordered and the log identical).
 */
const { scaled } = require('./env.cjs');
const { withSettings, query } = require('./db.cjs');
const { int } = require('./stats.cjs');
const {
  PROVINCE,
  VACCINE_TYPES,
  personIdOf,
  personStreamOf,
  uuid,
  clinicCode,
  doseData,
  doseMetadata,
  instantOf,
} = require('./fixtures.cjs');

const FULL_DOSES = 1_000_000;
const HOT_RECIPIENTS = 10_000;
const BATCHES = 50;
const CLINICS = 200;
const LOG_SCHEMA = 'vx_log';
const GENERATION_WRITERS = 12;

const MAH = '91110000MA0000001X';
const CDC = '125100004508000001';
const REGULATOR = '115100000000000001';

const pad = (n, width) => String(n).padStart(width, '0');
const productOf = (v) => `86963210${v}`;
const batchIdOf = (b) => `${productOf(b % VACCINE_TYPES.length)}-202611A${pad(b, 3)}`;

/** mulberry32: small, fast, seeded. */
const prng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** Clinic s stocks the 10 batches b with (b + s) % 10 < 2, so each of its shipments has 10 lines. */
const BATCHES_PER_CLINIC = 10;
const stocks = (s, b) => (b + s) % 10 < 2;

/**
 * Which batch and clinic each dose uses. Batch 0 gets exactly `hot` doses, every
 * `doses / hot`-th one, at the clinics that stock it; every other dose goes to a random
 * clinic and one of the other batches that clinic stocks.
 */
const planDoses = (doses, hot) => {
  const batchOf = new Uint8Array(doses);
  const siteOf = new Uint8Array(doses);
  const counts = Array.from({ length: BATCHES }, () => new Uint32Array(CLINICS));
  const random = prng(20261123);
  const hotClinics = [];
  const batchesAt = [];
  for (let s = 0; s < CLINICS; s++) {
    if (stocks(s, 0)) hotClinics.push(s);
    batchesAt.push([...Array(BATCHES).keys()].filter((b) => b !== 0 && stocks(s, b)));
  }
  const stride = Math.floor(doses / hot);
  let hotLeft = hot;
  for (let n = 0; n < doses; n++) {
    let b;
    let s;
    if (hotLeft > 0 && n % stride === 0) {
      hotLeft--;
      b = 0;
      s = hotClinics[Math.floor(random() * hotClinics.length)];
    } else {
      s = Math.floor(random() * CLINICS);
      const choices = batchesAt[s];
      b = choices[Math.floor(random() * choices.length)];
    }
    batchOf[n] = b;
    siteOf[n] = s;
    counts[b][s]++;
  }
  return { batchOf, siteOf, counts };
};

const event = (type, data, metadata = {}) => ({
  eventId: uuid(),
  type,
  schemaVersion: 1,
  data,
  metadata: { originProvince: PROVINCE, ...metadata },
});

/** Master data and logistics: a few hundred events, appended in order with exact expected revisions. */
const masterEvents = (counts) => {
  const out = [];
  const add = (streamId, e) => out.push({ streamId, event: e });
  const org = (orgCode, name, kind, provinceCode, parentOrgCode) =>
    add(
      `org-${orgCode}`,
      event('OrganisationRegistered', { orgCode, name, kind, provinceCode, ...(parentOrgCode ? { parentOrgCode } : {}) }),
    );
  org(MAH, 'Bench Biologicals Co., Ltd.', 'manufacturer', '110000');
  org(CDC, 'Sichuan Provincial CDC', 'cdc', PROVINCE);
  org(REGULATOR, 'Sichuan Medical Products Administration', 'regulator', PROVINCE);
  for (let s = 0; s < CLINICS; s++) org(clinicCode(s), `Community vaccination clinic ${s + 1}`, 'clinic', clinicCode(s).slice(0, 6), CDC);
  VACCINE_TYPES.forEach((vaccineType, v) =>
    add(
      `product-${productOf(v)}`,
      event('ProductRegistered', {
        productCode: productOf(v),
        levels: [
          { level: 1, code: `0${productOf(v)}1`, childrenPerParent: 1 },
          { level: 2, code: `0${productOf(v)}2`, childrenPerParent: 10 },
        ],
        name: `${vaccineType} vaccine`,
        vaccineType,
        approvalNo: `S2026${pad(v, 4)}`,
        mahOrgCode: MAH,
        dosesPerUnit: 1,
        storageC: { min: 2, max: 8 },
        shelfLifeMonths: 24,
        programme: 'NIP',
        serialised: false,
      }),
    ),
  );
  const perBatch = counts.map((bySite) => bySite.reduce((a, b) => a + b, 0));
  for (let b = 0; b < BATCHES; b++) {
    const batchId = batchIdOf(b);
    const v = b % VACCINE_TYPES.length;
    const shipped = perBatch[b] + CLINICS * 10;
    add(
      `batch-${batchId}`,
      event('BatchProduced', {
        batchId,
        productCode: productOf(v),
        lotNumber: batchId.split('-')[1],
        producedOn: '2026-01-05',
        expiresOn: '2027-12-31',
        quantity: shipped + 1000,
        mahOrgCode: MAH,
      }),
    );
    add(
      `lotrelease-${batchId}`,
      event('BatchReleased', { batchId, certificateNo: `SC2026${pad(b, 5)}`, decidedOn: '2026-01-20', authorityOrgCode: REGULATOR }),
    );
    const shipmentId = `SHP-${MAH}-${pad(b, 4)}`;
    add(
      `site-${MAH}`,
      event('ShipmentDispatched', {
        shipmentId,
        fromSite: MAH,
        toSite: CDC,
        toProvince: PROVINCE,
        lines: [{ batchId, quantity: shipped }],
        dispatchedAt: '2026-01-22T09:00:00.000+08:00',
        deliveryNoteNo: `DN${pad(b, 8)}`,
        billType: '201',
      }),
    );
    add(
      `site-${CDC}`,
      event('ShipmentReceived', {
        shipmentId,
        fromSite: MAH,
        receivedAt: '2026-01-24T10:00:00.000+08:00',
        lines: [{ batchId, shipped, accepted: shipped, rejected: 0 }],
        verification: { result: 'accepted', releaseCertificateChecked: true },
        quarantined: false,
      }),
    );
  }
  for (let s = 0; s < CLINICS; s++) {
    const lines = [];
    for (let b = 0; b < BATCHES; b++) if (stocks(s, b)) lines.push({ batchId: batchIdOf(b), quantity: counts[b][s] + 10 });
    const shipmentId = `SHP-${CDC}-${pad(s, 4)}`;
    add(
      `site-${CDC}`,
      event('ShipmentDispatched', {
        shipmentId,
        fromSite: CDC,
        toSite: clinicCode(s),
        toProvince: PROVINCE,
        lines,
        dispatchedAt: '2026-01-26T09:00:00.000+08:00',
        deliveryNoteNo: `DN2${pad(s, 7)}`,
        billType: '209',
      }),
    );
    add(
      `site-${clinicCode(s)}`,
      event('ShipmentReceived', {
        shipmentId,
        fromSite: CDC,
        receivedAt: '2026-01-27T10:00:00.000+08:00',
        lines: lines.map((l) => ({ batchId: l.batchId, shipped: l.quantity, accepted: l.quantity, rejected: 0 })),
        verification: { result: 'accepted', releaseCertificateChecked: true },
        quarantined: false,
      }),
    );
  }
  return out;
};

const doseEventFor = (n, plan) => {
  const b = plan.batchOf[n];
  const v = b % VACCINE_TYPES.length;
  const siteCode = clinicCode(plan.siteOf[n]);
  const personId = personIdOf(n);
  const administeredAt = instantOf(n);
  return {
    streamId: personStreamOf(personId),
    event: {
      eventId: uuid(),
      type: 'DoseAdministered',
      schemaVersion: 1,
      data: doseData({
        personId,
        siteCode,
        administeredAt,
        batchId: batchIdOf(b),
        productCode: productOf(v),
        vaccineType: VACCINE_TYPES[v],
        doseNumber: 1,
      }),
      metadata: doseMetadata(siteCode, administeredAt),
    },
  };
};

/**
 * Generates the log once per run (ctx.shared) and returns its description. Later suites of
 * the same run reuse it.
 */
const ensureDataset = async (ctx) => {
  if (ctx.shared.dataset) return ctx.shared.dataset;
  const doses = scaled(FULL_DOSES, ctx.scale, 2_000);
  const hot = Math.min(HOT_RECIPIENTS, Math.floor(doses / 2));
  const { PostgresEventStore } = ctx.lib.eventStore();
  const store = await PostgresEventStore.connect({
    connectionString: withSettings(ctx.url, { synchronous_commit: 'off' }),
    schema: LOG_SCHEMA,
    poolSize: GENERATION_WRITERS,
  });
  try {
    ctx.log(
      `generating the log: ${int(doses)} persons with one dose each, ${BATCHES} batches (one with ${int(hot)} recipients), ${CLINICS} clinics`,
    );
    const plan = planDoses(doses, hot);
    const master = masterEvents(plan.counts);
    const revisions = new Map();
    for (const { streamId, event: e } of master) {
      const current = revisions.get(streamId);
      const result = await store.append(streamId, [e], { expected: current === undefined ? 'no-stream' : current });
      revisions.set(streamId, result.revision);
    }
    ctx.log(`${int(master.length)} master-data and logistics events appended`);
    const bar = ctx.progress(`DoseAdministered appends (${GENERATION_WRITERS} writers)`, doses);
    let next = 0;
    await Promise.all(
      Array.from({ length: GENERATION_WRITERS }, async () => {
        for (let n = next++; n < doses; n = next++) {
          const { streamId, event: e } = doseEventFor(n, plan);
          await store.append(streamId, [e], { expected: 'no-stream' });
          bar.tick(1);
        }
      }),
    );
    const generated = bar.done();
    await query(ctx.url, `VACUUM (ANALYZE) ${LOG_SCHEMA}.events, ${LOG_SCHEMA}.streams`);
    const { rows } = await query(
      ctx.url,
      `SELECT count(*)::int AS n, pg_total_relation_size('${LOG_SCHEMA}.events') AS bytes FROM ${LOG_SCHEMA}.events`,
    );
    const totalEvents = rows[0].n;
    if (totalEvents !== master.length + doses) throw new Error(`log holds ${totalEvents} events, expected ${master.length + doses}`);
    const head = await store.headPosition();
    ctx.shared.dataset = {
      schema: LOG_SCHEMA,
      totalEvents,
      doses,
      masterEvents: master.length,
      hotBatchId: batchIdOf(0),
      hotRecipients: hot,
      batches: BATCHES,
      clinics: CLINICS,
      head,
      logBytes: Number(rows[0].bytes),
      generationSeconds: generated.elapsedMs / 1000,
      generationRate: generated.perSecond,
      personIdOf,
    };
    return ctx.shared.dataset;
  } finally {
    await store.close();
  }
};

/**
 * Read models built over the whole dataset. The rebuild suite records the schema it built
 * last; a standalone queries run builds one here (batches of 5,000, not reported).
 */
const ensureReadModels = async (ctx) => {
  if (ctx.shared.readModelSchema) return ctx.shared.readModelSchema;
  const dataset = await ensureDataset(ctx);
  const schema = 'rm_queries';
  const { PostgresEventStore } = ctx.lib.eventStore();
  const { ReadModels } = ctx.lib.projections();
  const store = await PostgresEventStore.connect({ connectionString: ctx.url, schema: dataset.schema, poolSize: 2 });
  const models = await ReadModels.open(store, { connectionString: ctx.url, schema, batchSize: 5000 });
  try {
    const bar = ctx.progress('building read models for the queries (not timed)', dataset.totalEvents);
    let after = 0n;
    for (;;) {
      const events = await store.readAll({ after, limit: 5000 });
      if (events.length === 0) break;
      await models.runner.applyBatch(events);
      after = events[events.length - 1].position;
      bar.tick(events.length);
    }
    bar.done();
  } finally {
    await models.close();
    await store.close();
  }
  ctx.shared.readModelSchema = schema;
  return schema;
};

module.exports = { ensureDataset, ensureReadModels, batchIdOf, LOG_SCHEMA, HOT_RECIPIENTS, FULL_DOSES, GENERATION_WRITERS };
