import { actor, AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { detailsOf } from '../support/person-details';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// The paged lists of one batch (the console's batch and recall-impact pages): custody chain,
// recipients, recipients per site, holders; paged and counted at the API, scoped like the
// unpaged trace and /recipients.

const LOT = 'PAGE2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
// A provincial regulator of Sichuan: the CDC's stock is in its province, the clinic's doses are not.
const SICHUAN_REGULATOR = actor('regulator', ORGS.regulator, '510000');

describe('paged lists of a batch', () => {
  let api: ApiHarness;
  const ids = ['510104199003071237', '440305202101154566', '11010519491231002X'];

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT, quantity: 10, atClinic: 6 });
    // The first person is given two doses of the batch: one person, two recipient rows.
    const doses = [
      { idNumber: ids[0]!, doseNumber: 1, at: '2026-10-20T10:00:00+08:00' },
      { idNumber: ids[1]!, doseNumber: 1, at: '2026-11-21T10:00:00+08:00' },
      { idNumber: ids[2]!, doseNumber: 1, at: '2026-11-22T10:00:00+08:00' },
      { idNumber: ids[0]!, doseNumber: 2, at: '2026-11-19T10:00:00+08:00' },
    ];
    for (const { idNumber, doseNumber, at } of doses) {
      const res = await api.http
        .post('/v1/doses')
        .set(AS.clinic)
        .send({
          person: {
            idType: 'RESIDENT_ID',
            idNumber,
            name: '测试',
            ...detailsOf(idNumber),
          },
          batchId: BATCH,
          doseNumber,
          administeredAt: at,
          route: 'IM',
          vaccinatorRef: 'V-1',
        });
      if (res.status !== 201) throw new Error(`dose: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('pages the custody chain in log order, both ways, and leaves the growing lists out of the trace on request', async () => {
    const first = await api.http.get(`/v1/batches/${BATCH}/custody?pageSize=2`).set(AS.regulator);
    expect(first.status).toBe(200);
    // produced, released, dispatched, received, dispatched, received
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, total: 6 });
    expect(first.body.items.map((c: { type: string }) => c.type)).toEqual(['produced', 'released']);
    const last = await api.http.get(`/v1/batches/${BATCH}/custody?pageSize=2&order=desc`).set(AS.regulator);
    expect(last.body.items[0]).toMatchObject({ type: 'received', toSite: ORGS.clinic, quantity: 6 });
    const all = await api.http.get(`/v1/batches/${BATCH}/custody?pageSize=100`).set(AS.maker);
    expect(all.body.items).toHaveLength(6);
    const trace = await api.http.get(`/v1/batches/${BATCH}/trace?lists=omit`).set(AS.regulator);
    expect(trace.status).toBe(200);
    expect(trace.body).not.toHaveProperty('custody');
    expect(trace.body).not.toHaveProperty('onHand');
    expect(trace.body).not.toHaveProperty('administered');
    expect(trace.body.unaccounted).toBe(0);
    expect((await api.http.get(`/v1/batches/${BATCH}/trace`).set(AS.regulator)).body.custody).toHaveLength(6);
  });

  it('pages the stock and the doses by site, as the trace shows them', async () => {
    const stock = await api.http.get(`/v1/batches/${BATCH}/stock?sort=available&order=desc`).set(AS.clinic);
    expect(stock.status).toBe(200);
    expect(stock.body).toMatchObject({
      total: 2,
      items: [
        { site: ORGS.cdc, available: 4 },
        { site: ORGS.clinic, available: 2 },
      ],
    });
    const doses = await api.http.get(`/v1/batches/${BATCH}/doses-by-site?pageSize=1`).set(AS.maker);
    expect(doses.body).toMatchObject({ total: 1, items: [{ site: ORGS.clinic, count: 4 }] });
    expect((await api.http.get(`/v1/batches/${BATCH}/stock`).set(AS.otherMaker)).status).toBe(404);
    expect((await api.http.get(`/v1/batches/${BATCH}/doses-by-site?sort=colour`).set(AS.regulator)).status).toBe(400);
  });

  it('hides the custody chain from those who may not see the batch, like an unknown batch', async () => {
    const other = await api.http.get(`/v1/batches/${BATCH}/custody`).set(AS.otherMaker);
    expect(other.status).toBe(404);
    expect((await api.http.get(`/v1/batches/${HEPB_PRODUCT}-NOSUCH/custody`).set(AS.regulator)).status).toBe(404);
    expect((await api.http.get(`/v1/batches/${BATCH}/custody?pageSize=101`).set(AS.regulator)).status).toBe(400);
  });

  it('pages the recall impact: recipients, recipients per site, holders', async () => {
    const persons = await api.http
      .get(`/v1/batches/${BATCH}/impact/recipients?pageSize=2&sort=administeredAt&order=desc`)
      .set(AS.regulator);
    expect(persons.status).toBe(200);
    // One row per dose: four doses, three people.
    expect(persons.body).toMatchObject({ total: 4, pageSize: 2, persons: 3 });
    expect(persons.body.items).toHaveLength(2);
    expect(persons.body.items[0].administeredAt).toBe('2026-11-22T10:00:00+08:00');
    expect(JSON.stringify(persons.body)).not.toContain(ids[0]);
    const page2 = await api.http
      .get(`/v1/batches/${BATCH}/impact/recipients?pageSize=2&page=2&sort=administeredAt&order=desc`)
      .set(AS.regulator);
    expect(page2.body.items).toHaveLength(2);
    const seen = new Set([...persons.body.items, ...page2.body.items].map((p: { personId: string }) => p.personId));
    expect(seen.size).toBe(3);
    // Page 2 holds both doses of the first person: the access trail counts one person read.
    const all = await api.runtime.store.readAll({ after: 0n, limit: 100_000 });
    const exported = all.filter((e) => e.type === 'RecallImpactExported').map((e) => (e.data as { persons: number }).persons);
    expect(exported.slice(-2)).toEqual([2, 1]);

    const sites = await api.http.get(`/v1/batches/${BATCH}/impact/sites`).set(AS.regulator);
    expect(sites.body).toMatchObject({ total: 1, items: [{ siteCode: ORGS.clinic, provinceCode: '440000', persons: 3, doses: 4 }] });

    const holders = await api.http.get(`/v1/batches/${BATCH}/impact/holders?sort=available&order=desc`).set(AS.regulator);
    expect(holders.body).toMatchObject({
      total: 2,
      items: [
        { site: ORGS.cdc, available: 4, quarantined: 0 },
        { site: ORGS.clinic, available: 2, quarantined: 0 },
      ],
    });
  });

  it('shows a provincial caller its own province’s rows only, and refuses roles that may not see the impact', async () => {
    const persons = await api.http.get(`/v1/batches/${BATCH}/impact/recipients`).set(SICHUAN_REGULATOR);
    expect(persons.status).toBe(200);
    expect(persons.body.total).toBe(0);
    const holders = await api.http.get(`/v1/batches/${BATCH}/impact/holders`).set(SICHUAN_REGULATOR);
    expect(holders.body.items.map((h: { site: string }) => h.site)).toEqual([ORGS.cdc]);
    expect((await api.http.get(`/v1/batches/${BATCH}/impact/recipients`).set(AS.clinic)).status).toBe(403);
    expect((await api.http.get(`/v1/batches/${BATCH}/impact/sites`).set(AS.otherMaker)).status).toBe(403);
  });
});
