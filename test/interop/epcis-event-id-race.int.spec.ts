import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { captureAndWait, commissioningEvent, epcisDocument, serialCodes } from '../support/epcis-documents';

// Two organisations capture an event with the same new eventID at the same moment. An eventID
// names one event, so one capture must win and the other be refused with EPCIS_EVENT_ID_TAKEN,
// though neither fact was in the read models when both documents arrived (capture-runner.ts:
// captures sharing an eventID bucket check and append one after the other).

const EVENT_ID = 'urn:uuid:5d0c9a7e-1b2f-4c3d-8e4f-a0b1c2d3e4f5';
const MAKERS = [
  { as: AS.maker, org: ORGS.maker, province: '320000', product: '8696331', lot: 'RACEA' },
  { as: AS.otherMaker, org: ORGS.otherMaker, province: '350000', product: '8696332', lot: 'RACEB' },
] as const;

describe('EPCIS 2.0: one new eventID captured twice at once', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
    for (const [i, m] of MAKERS.entries()) {
      const org = await api.http
        .post('/v1/organisations')
        .set(AS.regulator)
        .send({ orgCode: m.org, name: `Maker ${i}`, kind: 'manufacturer', provinceCode: m.province });
      expect(org.status).toBe(201);
      const product = await api.http
        .post('/v1/products')
        .set(m.as)
        .send({
          productCode: m.product,
          name: `HepB ${i}`,
          vaccineType: 'HepB',
          approvalNo: `S-RACE-${i}`,
          mahOrgCode: m.org,
          dosesPerUnit: 1,
          storageC: { min: 2, max: 8 },
          shelfLifeMonths: 24,
          programme: 'NIP',
          serialised: true,
        });
      expect(product.status).toBe(201);
    }
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  }, 120_000);

  it('lets exactly one of two simultaneous captures have it, the other appending nothing', async () => {
    const before = await api.logSize();
    const jobs = await Promise.all(
      MAKERS.map((m, i) =>
        captureAndWait(
          api.http,
          m.as,
          epcisDocument([{ ...(commissioningEvent(m.lot, serialCodes(m.product, 7 + i, 3), m.org) as object), eventID: EVENT_ID }]),
        ),
      ),
    );
    expect(jobs.map((j) => j.success).sort()).toEqual([false, true]);
    const refused = jobs.find((j) => !j.success)!;
    expect(refused).toMatchObject({ appendedEvents: 0, errors: [{ eventIndex: 0, code: 'EPCIS_EVENT_ID_TAKEN' }] });
    expect(jobs.find((j) => j.success)).toMatchObject({ appendedEvents: 1 });
    expect((await api.logSize()) - before).toBe(1);
    const events = await api.runtime.store.readAll({ after: 0n, limit: 10_000 });
    expect(events.filter((e) => e.metadata.epcisEventId === EVENT_ID)).toHaveLength(1);
  }, 120_000);
});
