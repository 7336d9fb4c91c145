#!/usr/bin/env node
'use strict';
/**
 * Standards adapters: EPCIS query latency and FHIR read latency over HTTP, on a node whose log
 * holds one serialised batch of 10,000 units shipped in ten deliveries of 1,000 and received
 * (about 21 supply events naming 10,000 codes each way), plus one dosed person.
 *
 *   npm run build && node bench/interop.cjs      (BENCH_CALLS=200, BENCH_CAPTURE_EVENTS=10000 by default;
 *                                                DATABASE_URL as bench/run.cjs)
 *
 * Creates and drops its own vx_bench_* database, starts the compiled API in this process on a
 * free port (AUTH_MODE=dev), builds the data through /v1 as users would, then times each query
 * one call after another (no concurrency: the machine is shared), then captures one EPCIS document
 * and measures its events per second, and writes bench/INTEROP.md.
 */
const path = require('node:path');
const fs = require('node:fs');
const { REPO_DIR, settings: benchSettings } = require('./lib/env.cjs');
const { createBenchDatabase, dropBenchDatabase } = require('./lib/db.cjs');
const { nowMs, summarise, ms, int } = require('./lib/stats.cjs');
const { ORGS, DEV_ACTORS: AS, PRODUCT, routeOf, registerReleasedBatch } = require('./lib/stock-clinic.cjs');

const dist = (...parts) => require(path.join(REPO_DIR, 'dist', ...parts));
const CALLS = Number(process.env.BENCH_CALLS || 200);
const CAPTURE_EVENTS = Number(process.env.BENCH_CAPTURE_EVENTS || 10_000);
const UNITS = 10_000;
const DELIVERIES = 10;
const LOT = 'BENCH01';
const BATCH = `${PRODUCT}-${LOT}`;
const codeOf = (i) => `${PRODUCT}${String(i).padStart(13, '0')}`;
const daysAgo = (d) => new Date(Date.now() - d * 86_400_000).toISOString();

const main = async () => {
  const { databaseUrl } = benchSettings();
  const db = await createBenchDatabase(databaseUrl);
  const { loadSettings } = dist('libs', 'config', 'src', 'settings.js');
  const { openNodeRuntime } = dist('apps', 'api', 'src', 'infrastructure', 'node-runtime.js');
  const { createApiApp } = dist('apps', 'api', 'src', 'app.js');
  const defaults = loadSettings({
    PSEUDONYM_SECRET: 'vaxledger-bench-pseudonym-secret',
    VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'silent',
    PORT: '0',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const runtime = await openNodeRuntime({ ...defaults, databaseUrl: db.url, embedded: false });
  const app = await createApiApp(runtime, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const call = async (method, url, as, body) => {
    const res = await fetch(base + url, {
      method,
      headers: { 'X-Dev-Actor': as, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  const settle = async () => runtime.readModels.runner.waitFor(await runtime.store.latestPosition(), 120_000);
  const results = [];
  try {
    const t0 = nowMs();
    const codes = Array.from({ length: UNITS }, (_, i) => codeOf(i + 1));
    await registerReleasedBatch(
      (step, as, command) => {
        const { path: url, body } = routeOf(step, command);
        return call('POST', url, AS[as], body);
      },
      { lot: LOT, quantity: UNITS, cdcName: 'CDC', serialised: true, traceCodes: codes, certificateNo: 'C-B' },
    );
    await settle();
    const per = UNITS / DELIVERIES;
    for (let d = 0; d < DELIVERIES; d++) {
      const part = codes.slice(d * per, (d + 1) * per);
      const shipment = await call('POST', '/v1/shipments', AS.maker, {
        toSite: ORGS.cdc,
        dispatchedAt: daysAgo(60 - d),
        deliveryNoteNo: `DN-B-${d}`,
        lines: [{ batchId: BATCH, quantity: per, traceCodes: part }],
      });
      await settle();
      await call('POST', `/v1/shipments/${shipment.id}/receipt`, AS.cdc, {
        receivedAt: daysAgo(59 - d),
        lines: [{ batchId: BATCH, accepted: per, rejected: 0, traceCodes: part }],
        verification: { result: 'accepted', releaseCertificateChecked: true },
        temperatureLog: { deviceId: 'TL-1', readings: [{ at: daysAgo(59 - d), celsius: 5 }] },
      });
      await settle();
    }
    const toClinic = await call('POST', '/v1/shipments', AS.cdc, {
      toSite: ORGS.clinic,
      dispatchedAt: daysAgo(40),
      deliveryNoteNo: 'DN-C',
      lines: [{ batchId: BATCH, quantity: 1, traceCodes: [codes[0]] }],
    });
    await settle();
    await call('POST', `/v1/shipments/${toClinic.id}/receipt`, AS.clinic, {
      receivedAt: daysAgo(39),
      lines: [{ batchId: BATCH, accepted: 1, rejected: 0, traceCodes: [codes[0]] }],
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog: { deviceId: 'TL-2', readings: [{ at: daysAgo(39), celsius: 5 }] },
    });
    await settle();
    const dose = await call('POST', '/v1/doses', AS.clinic, {
      person: { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: 'Bench', birthDate: '1990-03-07', sex: 'M' },
      batchId: BATCH,
      traceCode: codes[0],
      doseNumber: 1,
      administeredAt: daysAgo(10),
      route: 'SC',
      vaccinatorRef: 'V',
    });
    await settle();
    const setupMs = nowMs() - t0;
    const personId = dose.id;

    const time = async (label, as, url, check) => {
      for (let i = 0; i < 5; i++) await call('GET', url(i), as);
      const samples = [];
      let last;
      for (let i = 0; i < CALLS; i++) {
        const s = nowMs();
        last = await call('GET', url(i), as);
        samples.push(nowMs() - s);
      }
      const stat = summarise(samples);
      results.push({ label, ...stat, answer: check(last) });
      console.log(`${label}: p50 ${ms(stat.p50)}, p99 ${ms(stat.p99)} (${check(last)})`);
    };
    const events = (doc) => `${doc.epcisBody.queryResults.resultsBody.eventList.length} events`;
    const tc = (i) => encodeURIComponent(`https://id.vaxledger.example/nmpa/tc/${codeOf((i % UNITS) + 1)}`);
    await time('EPCIS MATCH_epc, one trace code (its whole life)', AS.regulator, () => `/epcis/events?MATCH_epc=${tc(0)}`, events);
    await time('EPCIS MATCH_epc, a different code each call', AS.regulator, (i) => `/epcis/events?MATCH_epc=${tc(i * 37)}`, events);
    await time('EPCIS EQ_bizStep=receiving', AS.regulator, () => '/epcis/events?EQ_bizStep=receiving', events);
    await time(
      'EPCIS MATCH_epcClass lot + EQ_bizStep=shipping, perPage=5',
      AS.regulator,
      () =>
        `/epcis/events?EQ_bizStep=shipping&perPage=5&MATCH_epcClass=${encodeURIComponent(`https://id.vaxledger.example/nmpa/product/${PRODUCT}/lot/${LOT}`)}`,
      events,
    );
    await time(
      'EPCIS GE_eventTime (last 30 days), as the clinic',
      AS.clinic,
      () => `/epcis/events?GE_eventTime=${encodeURIComponent(daysAgo(30))}`,
      events,
    );
    await time(
      'FHIR Immunization?patient= (audited read)',
      AS.clinic,
      () => `/fhir/Immunization?patient=${personId}`,
      (b) => `${b.total} immunizations`,
    );
    await time(
      'FHIR Patient/{id}',
      AS.clinic,
      () => `/fhir/Patient/${personId}`,
      (b) => b.resourceType,
    );

    // Capture throughput: one document of CAPTURE_EVENTS commissioning events (a lot of one unit
    // each, so every event is one RegisterBatch through the /v1 handler: checked, then appended).
    const captureDoc = {
      '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: new Date().toISOString(),
      epcisBody: {
        eventList: Array.from({ length: CAPTURE_EVENTS }, (_, i) => ({
          type: 'ObjectEvent',
          eventID: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          action: 'ADD',
          bizStep: 'commissioning',
          disposition: 'active',
          eventTime: '2026-09-01T08:00:00+08:00',
          eventTimeZoneOffset: '+08:00',
          epcList: [`https://id.vaxledger.example/nmpa/tc/${PRODUCT}${String(9_000_000_000_000 + i).padStart(13, '0')}`],
          ilmd: { 'cbvmda:lotNumber': `CAP${i}`, 'cbvmda:itemExpirationDate': '2028-08-31' },
        })),
      },
    };
    const captureStart = nowMs();
    const accepted = await fetch(`${base}/epcis/capture`, {
      method: 'POST',
      headers: { 'X-Dev-Actor': AS.maker, 'Content-Type': 'application/ld+json' },
      body: JSON.stringify(captureDoc),
    });
    if (accepted.status !== 202) throw new Error(`capture: ${accepted.status} ${await accepted.text()}`);
    const acceptedMs = nowMs() - captureStart;
    let job;
    for (;;) {
      job = await call('GET', accepted.headers.get('location'), AS.maker);
      if (!job.running) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const captureMs = nowMs() - captureStart;
    if (!job.success) throw new Error(`capture failed: ${JSON.stringify(job.errors.slice(0, 3))}`);
    const captureRate = CAPTURE_EVENTS / (captureMs / 1000);
    console.log(
      `capture: ${CAPTURE_EVENTS} events in ${(captureMs / 1000).toFixed(1)} s = ${captureRate.toFixed(0)} events/s (202 after ${ms(acceptedMs)})`,
    );

    const lines = [
      '# Standards adapters: query latency',
      '',
      `Measured ${new Date().toISOString()} with \`node bench/interop.cjs\` (BENCH_CALLS=${CALLS}), one call at a time over HTTP`,
      `on 127.0.0.1 against the compiled API, PostgreSQL at ${new URL(databaseUrl).host}, on a shared 2-core machine.`,
      `Data: one batch of ${int(UNITS)} serialised units shipped in ${DELIVERIES} deliveries of ${int(per)} and received, one dose;`,
      `built through /v1 in ${(setupMs / 1000).toFixed(1)} s. Every EPCIS answer with events of 10,000 codes is ~600 KB.`,
      '',
      '| Query | p50 | p90 | p99 | max | answer |',
      '|---|---|---|---|---|---|',
      ...results.map((r) => `| ${r.label} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.answer} |`),
      '',
      '## Capture throughput',
      '',
      `One EPCISDocument of ${int(CAPTURE_EVENTS)} commissioning events (each a lot of one unit, so each event is one`,
      'RegisterBatch command through the /v1 handler), posted once; time from the POST to the job reading `success`.',
      '',
      '| Events | 202 after | Job done after | Throughput | Appended |',
      '|---|---|---|---|---|',
      `| ${int(CAPTURE_EVENTS)} | ${ms(acceptedMs)} | ${(captureMs / 1000).toFixed(1)} s | ${int(captureRate)} events/s | ${int(job.appendedEvents)} |`,
      '',
    ];
    fs.writeFileSync(path.join(__dirname, 'INTEROP.md'), lines.join('\n'));
    console.log(`setup ${(setupMs / 1000).toFixed(1)} s; wrote bench/INTEROP.md`);
  } finally {
    await app.close();
    await runtime.close();
    await dropBenchDatabase(databaseUrl, db.name);
  }
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
