import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import {
  batchIdOf,
  type MainLot,
  minutesAgo,
  PERSON,
  PERSON_B,
  recallLot,
  recordDose,
  registerLot,
  registerOrganisations,
  releaseLot,
  shipToClinic,
} from '../support/main-scenario';

// The main scenario of one node, through HTTP, against the run's real PostgreSQL (or PGlite):
// organisations → product → batch → release → shipments → doses → recall → recall impact.
// The steps are shared with the KurrentDB suite (test/support/main-scenario.ts).

const LOT: MainLot = {
  product: '8696321',
  lot: '202611A017',
  codes: ['86963210000000000017', '86963210000000000024', '86963210000000000031'],
  approvalNo: 'S20260001',
  certificateNo: 'SJ-2026-001',
  deliveryNotes: ['DN-2026-11-0042', 'DN-7'],
  temperatureLog: {
    deviceId: 'TL-88',
    readings: [
      { at: minutesAgo(60), celsius: 4.8 },
      { at: minutesAgo(30), celsius: 5.2 },
    ],
  },
};
const PRODUCT = LOT.product;
const CODES = LOT.codes;
const BATCH = batchIdOf(LOT);

describe('one node, from product registration to recall impact', () => {
  let api: ApiHarness;
  let doseEventId = '';
  let personId = '';

  beforeAll(async () => {
    api = await startApi();
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('registers organisations', async () => {
    for (const { orgCode, answer } of await registerOrganisations(api)) {
      expect(answer.body).toMatchObject({ id: orgCode, streamId: `org-${orgCode}`, revision: 0 });
      expect(answer.body.position).toMatch(/^\d+$/);
    }
    const got = await api.http.get(`/v1/organisations/${ORGS.cdc}`).set(AS.clinic);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ kind: 'cdc', provinceCode: '510000' });
  });

  it('registers a product and a serialised batch, released by the regulator', async () => {
    const batch = await registerLot(api, LOT);
    expect(batch.body.id).toBe(BATCH);
    const early = await api.http
      .post('/v1/shipments')
      .set(AS.maker)
      .send({
        toSite: ORGS.cdc,
        dispatchedAt: minutesAgo(1),
        deliveryNoteNo: 'DN-0',
        lines: [{ batchId: BATCH, quantity: 1 }],
      });
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('BATCH_NOT_RELEASED');
    await releaseLot(api, LOT);
  });

  it('ships maker → CDC → clinic with temperature-logged receipts', async () => {
    await shipToClinic(api, LOT);
    await api.settle();
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    expect(inventory.status).toBe(200);
    expect(inventory.body.batches).toEqual([expect.objectContaining({ batchId: BATCH, available: 2, quarantined: 0, recalled: false })]);
  });

  it('records a dose under a pseudonym, and the person record shows it', async () => {
    const dose = await recordDose(api, LOT, PERSON, 0);
    expect(dose.status).toBe(201);
    personId = dose.body.id as string;
    doseEventId = (dose.body.eventIds as string[]).at(-1)!;
    expect(personId).toMatch(/^p1[a-z2-7]{26}$/);
    expect(JSON.stringify(dose.body)).not.toContain(PERSON.idNumber);
    const lookup = await api.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
    expect(lookup.body).toEqual({ personId });
    await api.settle();
    const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
    expect(record.status).toBe(200);
    expect(record.body.doses).toEqual([
      expect.objectContaining({
        eventId: doseEventId,
        batchId: BATCH,
        vaccineType: 'HepB',
        doseNumber: 1,
        status: 'valid',
        originProvince: '510000',
      }),
    ]);
    expect(record.body.series).toEqual([expect.objectContaining({ vaccineType: 'HepB', dosesDone: 1, nextDoseNumber: 2 })]);
    expect(record.body.series[0].nextDueOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(record.body.conflicts).toEqual([]);
    // The log holds the pseudonym and never the name, ID number or birth date.
    const events = await api.runtime.store.readStream(`person-510000-${personId}`);
    const stored = JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(stored).toContain(personId);
    for (const secret of [PERSON.idNumber, PERSON.name, PERSON.birthDate]) expect(stored).not.toContain(secret);
  });

  it('traces the batch: custody chain, stock by site, doses by site', async () => {
    const trace = await api.http.get(`/v1/batches/${BATCH}/trace`).set(AS.regulator);
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({
      batchId: BATCH,
      productCode: PRODUCT,
      lotNumber: LOT.lot,
      status: 'released',
      inTransit: 0,
      destroyed: 0,
      unaccounted: 0,
    });
    expect(trace.body.custody.map((c: { type: string }) => c.type)).toEqual([
      'produced',
      'released',
      'dispatched',
      'received',
      'dispatched',
      'received',
    ]);
    expect(trace.body.onHand).toEqual(
      expect.arrayContaining([
        { site: ORGS.cdc, available: 1, quarantined: 0 },
        { site: ORGS.clinic, available: 1, quarantined: 0 },
      ]),
    );
    expect(trace.body.administered).toEqual([{ site: ORGS.clinic, count: 1 }]);
    const code = await api.http.get(`/v1/trace-codes/${CODES[0]}`).set(AS.clinic);
    expect(code.body).toMatchObject({ batchId: BATCH, holder: ORGS.clinic, state: 'administered' });
  });

  it('after a recall refuses doses from the batch and lists every recipient', async () => {
    const recall = await recallLot(api, LOT);
    const before = await api.logSize();
    const refused = await recordDose(api, LOT, PERSON_B, 1, 0);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 422, code: 'BATCH_RECALLED' });
    expect(await api.logSize()).toBe(before);
    await api.settle();
    const impact = await api.http.get(`/v1/batches/${BATCH}/recipients`).set(AS.regulator);
    expect(impact.status).toBe(200);
    expect(impact.body.persons).toEqual([
      { personId, siteCode: ORGS.clinic, administeredAt: expect.any(String), originProvince: '510000' },
    ]);
    expect(impact.body.holders).toEqual(expect.arrayContaining([{ site: ORGS.clinic, available: 1, quarantined: 0 }]));
    const csv = await api.http.get(`/v1/batches/${BATCH}/recipients?format=csv`).set(AS.regulator);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[1]).toContain(personId);
    const view = await api.http.get(`/v1/recalls/${recall.body.id}`).set(AS.cdc);
    expect(view.body).toMatchObject({ recallId: recall.body.id, kind: 'recall', lifted: false });
  });

  it('voids a dose entered in error and restores the stock', async () => {
    const res = await api.http.post(`/v1/doses/${doseEventId}/entered-in-error`).set(AS.clinic).send({ reasonCode: 'did_not_occur' });
    expect(res.status).toBe(201);
    await api.runtime.readModels.runner.waitFor(BigInt(res.body.position), 10_000);
    const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.cdc);
    expect(record.body.doses[0].status).toBe('voided');
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    expect(inventory.body.batches[0]).toMatchObject({ available: 2, recalled: true });
  });

  it('serves OpenAPI, health and metrics', async () => {
    const openapi = await api.http.get('/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/v1/doses', '/v1/batches/{batchId}/trace', '/v1/persons/lookup']),
    );
    const health = await api.http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.projections).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'person-record' })]));
    const metrics = await api.http.get('/metrics');
    expect(metrics.text).toContain('vaxledger_projection_lag_events');
    expect(metrics.text).toContain('vaxledger_append_seconds');
  });
});
