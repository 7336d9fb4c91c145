import { randomUUID } from 'node:crypto';
import { pseudonymFor } from '@vaxledger/application';
import { residentIdCheckChar } from '@vaxledger/domain';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { sample } from '../support/metrics-text';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';
import { detailsOf } from '../support/person-details';

// A burst of doses larger than the node's dose writers (DOSE_WRITERS, 2 by default): the doses
// that find every writer busy are written in groups, one transaction each (ADR 0034). Each dose
// must still get the answer it would have had alone: recorded, refused by its own rules with
// nothing kept, a second dose 1 of one person refused as a repeat, a request sent twice with one
// Idempotency-Key answered once and replayed once.

const LOT = 'LIVE2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const residentId = (n: number): string => {
  const body = `44030419920611${String(n).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
};
const doseFor = (n: number, doseNumber = 1): object => ({
  person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `同批${n}`, ...detailsOf(residentId(n)) },
  batchId: BATCH,
  doseNumber,
  administeredAt: daysAgo(1),
  route: 'IM',
  vaccinatorRef: 'V',
});

const NEW_PERSONS = 30;
const OUT_OF_ORDER = [100, 101, 102, 103, 104];
const TWICE = 200;
const KEYED = 300;

describe.each([
  { writers: '2', grouped: true },
  // Every dose its own transaction: the answers must be the same ones.
  { writers: '0', grouped: false },
])('doses that arrive together (DOSE_WRITERS=$writers)', ({ writers, grouped }) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({ DOSE_WRITERS: writers });
    await stockClinic(api, { lot: LOT, quantity: 100 });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  const post = (body: object, key?: string) => {
    const req = api.http.post('/v1/doses').set(AS.clinic);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const hasDetails = async (n: number): Promise<boolean> =>
    (await api.runtime.vault.readDetails(
      pseudonymFor(api.runtime.settings.pseudonymSecret, { idType: 'RESIDENT_ID', idNumber: residentId(n) }),
    )) !== null;

  it('answers each dose of a burst as it would have been answered alone', async () => {
    const metricsBefore = (await api.http.get('/metrics')).text;
    const groupsBefore = sample(metricsBefore, 'vaxledger_dose_group_size_count');
    const logBefore = await api.logSize();

    // The very same request twice (one body: its administeredAt is part of what the key names).
    const keyedBody = doseFor(KEYED);
    const key = `live-groups-${randomUUID()}`;
    const [fresh, outOfOrder, twice, keyed] = await Promise.all([
      Promise.all(Array.from({ length: NEW_PERSONS }, (_, n) => post(doseFor(n)))),
      Promise.all(OUT_OF_ORDER.map((n) => post(doseFor(n, 2)))),
      Promise.all([post(doseFor(TWICE)), post(doseFor(TWICE))]),
      Promise.all([post(keyedBody, key), post(keyedBody, key)]),
    ]);

    expect(fresh.map((r) => r.status)).toEqual(Array(NEW_PERSONS).fill(201));
    expect(outOfOrder.map((r) => `${r.status} ${String(r.body.code)}`)).toEqual(
      Array(OUT_OF_ORDER.length).fill('422 DOSE_NUMBER_OUT_OF_ORDER'),
    );
    expect(twice.map((r) => (r.status === 201 ? 'recorded' : `${r.status} ${String(r.body.code)}`)).sort()).toEqual([
      '422 DUPLICATE_DOSE_NUMBER',
      'recorded',
    ]);
    // One Idempotency-Key, one dose: the first answer, then the same answer replayed (200).
    expect(keyed.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(keyed[0]!.body).toEqual(keyed[1]!.body);

    // A registration and a dose per person recorded, nothing for the refused ones.
    expect(await api.logSize()).toBe(logBefore + 2 * (NEW_PERSONS + 2));
    expect(await Promise.all(OUT_OF_ORDER.map(hasDetails))).toEqual(OUT_OF_ORDER.map(() => false));
    expect(await hasDetails(KEYED)).toBe(true);
    // With writers, the burst was more than they are: some of it went in groups.
    const metricsAfter = (await api.http.get('/metrics')).text;
    const groups = sample(metricsAfter, 'vaxledger_dose_group_size_count') - groupsBefore;
    if (grouped) expect(groups).toBeGreaterThan(0);
    else expect(groups).toBe(0);
    // Every dose recorded is counted and timed, whether it went alone or in a group.
    const grew = (name: string, labels: Record<string, string>): number =>
      sample(metricsAfter, name, labels) - sample(metricsBefore, name, labels);
    expect(grew('vaxledger_doses_recorded_total', { origin: 'local' })).toBe(NEW_PERSONS + 2);
    expect(grew('vaxledger_events_appended_total', { type: 'PersonRegistered', origin: 'local' })).toBe(NEW_PERSONS + 2);
    expect(grew('vaxledger_append_seconds_count', { command: 'RecordDose', outcome: 'appended' })).toBe(NEW_PERSONS + 2);
    expect(grew('vaxledger_append_seconds_count', { command: 'RecordDose', outcome: 'replayed' })).toBe(1);
    expect(grew('vaxledger_append_seconds_count', { command: 'RecordDose', outcome: 'DOSE_NUMBER_OUT_OF_ORDER' })).toBe(
      OUT_OF_ORDER.length,
    );

    await api.settle();
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    const line = (inventory.body.batches as { batchId: string; available: number }[]).find((b) => b.batchId === BATCH);
    expect(line?.available).toBe(100 - (NEW_PERSONS + 2));
    const record = await api.http.get(`/v1/persons/${String(keyed[0]!.body.id)}/record`).set(AS.clinic);
    expect(record.body.doses).toHaveLength(1);
  }, 120_000);
});
