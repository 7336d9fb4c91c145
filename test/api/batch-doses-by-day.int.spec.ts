import { AS, startApi, type ApiHarness } from '../support/api-harness';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';
import { detailsOf } from '../support/person-details';

// GET /v1/batches/{batchId}/doses-by-day (the console's chart): counts per China-local day,
// voided doses left out, the batch's trace visibility.

const LOT = 'DAY2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;

describe('doses of a batch per China-local day', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT });
    const dose = async (idNumber: string, birthDate: string, administeredAt: string): Promise<string> => {
      const res = await api.http
        .post('/v1/doses')
        .set(AS.clinic)
        .send({
          person: { idType: 'RESIDENT_ID', idNumber, name: '测试', birthDate, sex: detailsOf(idNumber).sex },
          batchId: BATCH,
          doseNumber: 1,
          administeredAt,
          route: 'IM',
          vaccinatorRef: 'V-1',
        });
      if (res.status !== 201) throw new Error(`dose: ${res.status} ${JSON.stringify(res.body)}`);
      // The dose is the last event of the command (a first dose also registers the person).
      return String((res.body as { eventIds: string[] }).eventIds.at(-1));
    };
    // 23:59 on the 20th in China is still the 20th, though it is 15:59 UTC; 00:30 is the 21st.
    await dose('510104199003071237', '1990-03-07', '2026-11-20T15:59:00Z');
    await dose('440305202101154566', '2021-01-15', '2026-11-21T00:30:00+08:00');
    const voided = await dose('11010519491231002X', '1949-12-31', '2026-11-20T10:00:00+08:00');
    await api.settle();
    const res = await api.http.post(`/v1/doses/${voided}/entered-in-error`).set(AS.clinic).send({ reasonCode: 'duplicate_entry' });
    if (res.status !== 201) throw new Error(`entered in error: ${res.status} ${JSON.stringify(res.body)}`);
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('counts doses per China-local day, without those entered in error', async () => {
    const res = await api.http.get(`/v1/batches/${BATCH}/doses-by-day`).set(AS.regulator);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      batchId: BATCH,
      days: [
        { day: '2026-11-20', count: 1 },
        { day: '2026-11-21', count: 1 },
      ],
    });
  });

  it('answers those who may see the batch’s trace, and hides it from others like an unknown batch', async () => {
    expect((await api.http.get(`/v1/batches/${BATCH}/doses-by-day`).set(AS.maker)).status).toBe(200);
    expect((await api.http.get(`/v1/batches/${BATCH}/doses-by-day`).set(AS.clinic)).status).toBe(200);
    const other = await api.http.get(`/v1/batches/${BATCH}/doses-by-day`).set(AS.otherMaker);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('NOT_FOUND');
    expect((await api.http.get(`/v1/batches/${HEPB_PRODUCT}-NOSUCH/doses-by-day`).set(AS.regulator)).status).toBe(404);
  });
});
