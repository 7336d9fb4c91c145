import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { pseudonymFor } from '@vaxledger/application';
import { residentIdCheckChar } from '@vaxledger/domain';
import { sample } from '../support/metrics-text';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';
import { detailsOf } from '../support/person-details';

// 200 doses at once for the last 50 units of a batch at one site: exactly 50 recorded, the
// others refused with INSUFFICIENT_STOCK and nothing appended for them (ADR 0011: a
// conditional take of the guard row in each dose's own transaction, or in its subtransaction
// when doses arriving together are written as one group, ADR 0034). Then a recall, and a
// dose right behind it: refused, since the recall updates the same guard rows.

const LOT = 'LAST2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const UNITS = 50;
const WANTED = 200;
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const residentId = (n: number): string => {
  const body = `51010419900307${String(n).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
};
const doseFor = (n: number): object => ({
  person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, ...detailsOf(residentId(n)) },
  batchId: BATCH,
  doseNumber: 1,
  administeredAt: minutesAgo(5),
  route: 'IM',
  vaccinatorRef: 'V',
});

describe('the last 50 units of a batch, wanted by 200 doses at once', () => {
  let api: ApiHarness;
  let first: { status: number; headers: Record<string, string>; body: { id: string; position: string } };

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT, quantity: UNITS + 1 });
    // One dose first, so exactly UNITS remain.
    first = await api.http.post('/v1/doses').set(AS.clinic).send(doseFor(999));
    expect(first.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('answers a read that passes the position the dose returned with the dose in it (read-your-writes)', async () => {
    expect(first.headers['x-position']).toBe(first.body.position);
    const record = await api.http.get(`/v1/persons/${first.body.id}/record`).set(AS.clinic).set('X-Min-Position', first.body.position);
    expect(record.status).toBe(200);
    expect(record.body.doses).toHaveLength(1);
    const bad = await api.http.get(`/v1/persons/${first.body.id}/record`).set(AS.clinic).set('X-Min-Position', 'soon');
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('lets no one wait for a position the log never reached, and no stranger wait at all', async () => {
    // Positions carry a transaction number in their high bits: this one is past any log's head.
    const far = '9'.repeat(20);
    const path = `/v1/persons/${first.body.id}/record`;
    // PROJECTION_WAIT_MS is seconds: each of these is answered before it could have waited.
    const timed = async (request: () => Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>) => {
      const started = Date.now();
      const res = await request();
      return {
        status: res.status,
        code: res.body.code,
        correlated: typeof res.headers['x-correlation-id'] === 'string',
        quick: Date.now() - started < 1_000,
      };
    };
    expect(await timed(() => api.http.get(path).set('X-Min-Position', far))).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
      correlated: true,
      quick: true,
    });
    expect(await timed(() => api.http.get(path).set(AS.maker).set('X-Min-Position', far))).toMatchObject({ status: 403, quick: true });
    const ahead = await api.http.get(path).set(AS.clinic).set('X-Min-Position', far);
    expect({ status: ahead.status, code: ahead.body.code, errors: ahead.body.errors }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'X-Min-Position', reason: 'beyond the log head' }],
    });
  });

  it('records exactly 50 and refuses 150 with INSUFFICIENT_STOCK', async () => {
    const logBefore = await api.logSize();
    const groupsBefore = sample((await api.http.get('/metrics')).text, 'vaxledger_dose_group_size_count');
    const answers = await Promise.all(Array.from({ length: WANTED }, (_, n) => api.http.post('/v1/doses').set(AS.clinic).send(doseFor(n))));
    const statuses = answers.map((a) => (a.status === 201 ? 'recorded' : `${a.status} ${String(a.body.code)}`));
    expect(statuses.filter((s) => s === 'recorded')).toHaveLength(UNITS);
    expect(statuses.filter((s) => s !== 'recorded')).toEqual(Array(WANTED - UNITS).fill('422 INSUFFICIENT_STOCK'));
    // With the node's dose writers busy, most of them were written in groups (ADR 0034): the
    // stock of a group is taken dose by dose in its transaction, as it is by lone doses.
    expect(sample((await api.http.get('/metrics')).text, 'vaxledger_dose_group_size_count')).toBeGreaterThan(groupsBefore);
    // A registration and a dose per recorded person; nothing for the refused ones.
    expect(await api.logSize()).toBe(logBefore + 2 * UNITS);
    // Nor their details or a read grant: each dose's writes leave with its COMMIT, and a refused
    // take of stock turns that COMMIT into a rollback of all of them.
    const kept = await Promise.all(
      answers.map(async (answer, n) => {
        const personId = pseudonymFor(api.runtime.settings.pseudonymSecret, { idType: 'RESIDENT_ID', idNumber: residentId(n) });
        const details = await api.runtime.vault.readDetails(personId);
        const grant = await api.runtime.auth.hasPersonGrant(ORGS.clinic, personId);
        return `${answer.status} details:${details ? 'yes' : 'no'} grant:${grant ? 'yes' : 'no'}`;
      }),
    );
    expect(kept.filter((k) => k === '201 details:yes grant:yes')).toHaveLength(UNITS);
    expect(kept.filter((k) => k === '422 details:no grant:no')).toHaveLength(WANTED - UNITS);
    await api.settle();
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    const line = (inventory.body.batches as { batchId: string; available: number }[]).find((b) => b.batchId === BATCH);
    expect(line?.available).toBe(0);
  }, 120_000);

  it('refuses a dose from a batch recalled a moment earlier (the recall updates the guard rows the dose takes from)', async () => {
    // Stock again (a void gives one unit back), then recall and dose back to back.
    const recorded = await api.runtime.store.readAll({ after: 0n, limit: 100_000 });
    const dose = recorded.find((e) => e.type === 'DoseAdministered')!;
    expect(
      (await api.http.post(`/v1/doses/${dose.eventId}/entered-in-error`).set(AS.clinic).send({ reasonCode: 'did_not_occur' })).status,
    ).toBe(201);
    const recall = await api.http
      .post('/v1/recalls')
      .set(AS.maker)
      .send({
        batchIds: [BATCH],
        kind: 'recall',
        level: 1,
        initiation: 'voluntary',
        reasonCode: 'quality_defect',
        reasonText: 'potency below specification',
        effectiveAt: minutesAgo(1),
        actions: ['stop_use'],
        personFollowUp: 'notify',
      });
    const refused = await api.http.post('/v1/doses').set(AS.clinic).send(doseFor(500));
    expect({ recall: recall.status, dose: refused.status, code: refused.body.code }).toEqual({
      recall: 201,
      dose: 422,
      code: 'BATCH_RECALLED',
    });
  }, 60_000);
});
