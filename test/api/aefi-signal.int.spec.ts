import { randomUUID } from 'node:crypto';
import { pseudonymFor } from '@vaxledger/application';
import { residentIdCheckChar } from '@vaxledger/domain';
import type { NewEvent } from '@vaxledger/event-store';
import { AS, ORGS, type ApiHarness, startApi } from '../support/api-harness';
import { until } from '../support/until';

// The per-batch signal over real PostgreSQL: a product with 10 batches of 20 doses each, one
// report on batch 2 (a normal rate), then reports on batch 1. The third raises exactly one
// AefiSignalRaised, whose p-value is checked against a value computed outside the code; a
// regulator answers with a recall that lists the batch's recipients.

const SECRET = 'vaxledger-test-pepper-do-not-use';
const PRODUCT = '8696321';
const LOTS = Array.from({ length: 10 }, (_, i) => `S${String(i + 1).padStart(2, '0')}`);
const DOSES_PER_BATCH = 20;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
/** Resident IDs with a correct check character (Chengdu, born 1990-01-01, sequence n). */
const residentId = (n: number): string => {
  const first17 = `51010419900101${String(n).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};
// P(X ≥ 3) for X ~ Poisson(20 × 1/180), computed with mpmath at 50 digits as 1 − Σ_{i<3} e^{−μ} μ^i / i!.
const P_VALUE_MPMATH = 0.00021039294196957284;

const ev = (type: string, data: Record<string, unknown>): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { originProvince: '510000', actor: { orgCode: ORGS.clinic, role: 'clinic', provinceCode: '510000' } },
});

/** A product of 10 batches, each with 20 doses given in Sichuan, straight as Sichuan's own events. */
const seedProduct = async (api: ApiHarness, doses: Map<string, { eventId: string; idNumber: string }[]>): Promise<void> => {
  const { store } = api.runtime;
  await store.append(`product-${PRODUCT}`, [
    ev('ProductRegistered', {
      productCode: PRODUCT,
      name: 'HepB',
      vaccineType: 'HepB',
      approvalNo: 'S1',
      mahOrgCode: ORGS.maker,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: 'NIP',
      serialised: false,
      levels: [{ level: 1, code: PRODUCT, childrenPerParent: 1 }],
    }),
  ]);
  let n = 0;
  for (const lot of LOTS) {
    const batchId = `${PRODUCT}-${lot}`;
    await store.append(`batch-${batchId}`, [
      ev('BatchProduced', {
        batchId,
        productCode: PRODUCT,
        lotNumber: lot,
        mahOrgCode: ORGS.maker,
        producedOn: '2026-09-01',
        expiresOn: '2028-08-31',
        quantity: DOSES_PER_BATCH,
      }),
    ]);
    const given: { eventId: string; idNumber: string }[] = [];
    for (let i = 0; i < DOSES_PER_BATCH; i++) {
      const idNumber = residentId(++n);
      const personId = pseudonymFor(SECRET, { idType: 'RESIDENT_ID', idNumber });
      const dose = ev('DoseAdministered', {
        personId,
        siteCode: ORGS.clinic,
        administeredAt: daysAgo(10),
        batchId,
        productCode: PRODUCT,
        traceCode: null,
        vaccineType: 'HepB',
        doseNumber: 1,
        vaccinatorRef: 'V-1',
        route: 'IM',
      });
      await store.append(`person-510000-${personId}`, [dose]);
      given.push({ eventId: dose.eventId, idNumber });
    }
    doses.set(lot, given);
  }
  await until('every dose projected', async () => {
    await api.settle();
    return (await api.runtime.readModels.aefi.dosesByBatch(PRODUCT)).size === LOTS.length;
  });
};

describe('AEFI signals on a batch', () => {
  let api: ApiHarness;
  /** Per lot: the doses given (event id and the person's ID number). */
  const doses = new Map<string, { eventId: string; idNumber: string }[]>();

  beforeAll(async () => {
    api = await startApi();
    await seedProduct(api, doses);
  }, 120_000);
  afterAll(() => api?.close());

  const report = async (lot: string, index: number): Promise<void> => {
    const dose = doses.get(lot)![index]!;
    const res = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .send({
        person: { idType: 'RESIDENT_ID', idNumber: dose.idNumber },
        doseEventIds: [dose.eventId],
        discoveredAt: daysAgo(9),
        onsetAt: daysAgo(9.5),
        signs: ['urticaria'],
        serious: false,
        cluster: false,
        outcome: 'recovered',
      });
    if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const signals = async (): Promise<Record<string, unknown>[]> => {
    await api.settle();
    const res = await api.http.get('/v1/aefi/signals').set(AS.regulator);
    expect(res.status).toBe(200);
    return res.body.signals as Record<string, unknown>[];
  };

  it('raises nothing for one report on batch 2 and two cases on batch 1, one of them reported twice', async () => {
    await report('S02', 0);
    await report('S01', 0);
    await report('S01', 1);
    // The same reaction of the same person reported again: three reports, still two cases.
    await report('S01', 1);
    expect(await signals()).toEqual([]);
  });

  it('raises exactly one signal at the third report on batch 1, with the exact Poisson p-value', async () => {
    await report('S01', 2);
    const [signal, ...more] = await signals();
    expect(more).toEqual([]);
    expect(signal).toMatchObject({
      batchId: `${PRODUCT}-S01`,
      reports: 3,
      doses: DOSES_PER_BATCH,
      baselineReports: 1,
      baselineDoses: 9 * DOSES_PER_BATCH,
      ratePer100k: 15_000,
      minReports: 3,
      alpha: 0.01,
      recallIds: [],
    });
    expect((signal!.pValue as number) / P_VALUE_MPMATH).toBeCloseTo(1, 9);
    expect(signal!.expected as number).toBeCloseTo(20 / 180, 12);
    // A fourth report is counted, but the batch's signal is not raised again.
    await report('S01', 3);
    expect(await signals()).toHaveLength(1);
    expect(await api.runtime.store.readStream(`signal-510000-${PRODUCT}-S01`)).toHaveLength(1);
    const view = await api.http.get(`/v1/batches/${PRODUCT}-S01/aefi`).set(AS.regulator);
    expect(view.body).toMatchObject({ reports: 5, persons: 4, doses: 20, ratePer100k: 20_000, signals: [{ signalId: signal!.signalId }] });
  });

  it('lets the regulator answer with a recall that lists the batch’s recipients', async () => {
    const [signal] = await signals();
    const recall = await api.http
      .post('/v1/recalls')
      .set(AS.regulator)
      .send({
        batchIds: [signal!.batchId],
        kind: 'recall',
        level: 1,
        initiation: 'ordered',
        reasonCode: 'safety_signal',
        reasonText: `AEFI signal ${String(signal!.signalId)}`,
        effectiveAt: new Date().toISOString(),
        actions: ['stop_use', 'quarantine'],
        personFollowUp: 'notify',
      });
    expect(recall.status).toBe(201);
    const [answered] = await signals();
    expect(answered!.recallIds).toEqual([recall.body.id]);
    const recipients = await api.http.get(`/v1/batches/${String(signal!.batchId)}/recipients`).set(AS.regulator);
    expect(recipients.status).toBe(200);
    const expected = doses
      .get('S01')!
      .map((d) => pseudonymFor(SECRET, { idType: 'RESIDENT_ID', idNumber: d.idNumber }))
      .sort();
    expect((recipients.body.persons as { personId: string }[]).map((p) => p.personId).sort()).toEqual(expected);
  });

  it('shows signals to regulators and the batch’s MAH only', async () => {
    expect((await api.http.get('/v1/aefi/signals').set(AS.cdc)).status).toBe(403);
    expect((await api.http.get('/v1/aefi/signals').set(AS.clinic)).status).toBe(403);
    expect((await api.http.get('/v1/aefi/signals').set(AS.maker)).body.signals).toHaveLength(1);
    expect((await api.http.get('/v1/aefi/signals').set(AS.otherMaker)).body.signals).toEqual([]);
  });
});

describe('AEFI signals from reports imported from another province', () => {
  let api: ApiHarness;
  const doses = new Map<string, { eventId: string; idNumber: string }[]>();

  beforeAll(async () => {
    const kafka = process.env.TEST_KAFKA_BROKERS;
    if (!kafka) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    // Sync on (the watcher runs with it), no partner: imports are appended below as the inbox would.
    api = await startApi({ KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: `vxsig-${randomUUID().slice(0, 8)}` });
    await seedProduct(api, doses);
  }, 120_000);
  afterAll(() => api?.close());

  /** An AdverseEventReported from Guangdong's node about a Sichuan dose, as the inbox imports it. */
  const imported = async (lot: string, index: number): Promise<void> => {
    const dose = doses.get(lot)![index]!;
    const reportId = randomUUID();
    const batchId = `${PRODUCT}-${lot}`;
    await api.runtime.store.append(`aefi-440000-${reportId}`, [
      {
        eventId: randomUUID(),
        type: 'AdverseEventReported',
        schemaVersion: 1,
        data: {
          reportId,
          personId: pseudonymFor(SECRET, { idType: 'RESIDENT_ID', idNumber: dose.idNumber }),
          doseEventIds: [dose.eventId],
          doses: [
            {
              doseEventId: dose.eventId,
              batchId,
              productCode: PRODUCT,
              siteCode: ORGS.clinic,
              province: '510000',
              administeredAt: daysAgo(10),
            },
          ],
          reporterSite: '12440300MB1B2345QN',
          discoveredAt: daysAgo(9),
          onsetAt: daysAgo(9.5),
          signs: ['urticaria'],
          serious: false,
          cluster: false,
          majorPublicImpact: false,
          outcome: 'recovered',
          urgent: false,
          deadlineAt: daysAgo(7),
          routeTo: ['510000'],
          narrativeInVault: false,
        },
        metadata: { originProvince: '440000', actor: { orgCode: '12440300MB1B2345QN', role: 'clinic', provinceCode: '440000' } },
      },
    ]);
  };
  const signals = async (): Promise<{ batchId: string; reports: number }[]> =>
    (await api.http.get('/v1/aefi/signals').set(AS.regulator)).body.signals as { batchId: string; reports: number }[];

  it('raises exactly one signal in the province of vaccination once the third imported report arrives', async () => {
    await imported('S02', 0);
    await imported('S01', 0);
    await imported('S01', 1);
    await api.settle();
    // Give the watcher time to look at what is there: still no signal at two reports.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await signals()).toEqual([]);
    await imported('S01', 2);
    await until(
      'the signal',
      async () => {
        await api.settle();
        return (await signals()).length > 0;
      },
      15_000,
    );
    await imported('S01', 3);
    await new Promise((r) => setTimeout(r, 1_000));
    await api.settle();
    expect((await signals()).map((s) => [s.batchId, s.reports])).toEqual([[`${PRODUCT}-S01`, 3]]);
    expect(await api.runtime.store.readStream(`signal-510000-${PRODUCT}-S01`)).toHaveLength(1);
  });
});
