import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { batchIdOf, type MainLot, minutesAgo, registerLot, registerOrganisations, releaseLot } from '../support/main-scenario';

// What a trace-code lookup says of a unit a receipt refused: it is not in the receiver's stock
// (the batch trace counts it as unaccounted), so it is `rejected` at that site, never `in_transit`
// for good. The units the same receipt took in are in stock; another shipment's units are untouched.

const LOT: MainLot = {
  product: '8696321',
  lot: 'REJ2026A',
  codes: ['86963210000000000048', '86963210000000000055', '86963210000000000062'],
  approvalNo: 'S20260002',
  certificateNo: 'SJ-2026-REJ',
  deliveryNotes: ['DN-REJ-1', 'DN-REJ-2'],
  temperatureLog: { deviceId: 'TL-5', readings: [{ at: minutesAgo(90), celsius: 5 }] },
};
const BATCH = batchIdOf(LOT);

describe('trace-code states after a receipt refuses units', () => {
  let api: ApiHarness;

  const created = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const state = async (code: string): Promise<Record<string, unknown>> =>
    (await api.http.get(`/v1/trace-codes/${code}`).set(AS.regulator)).body as Record<string, unknown>;

  beforeAll(async () => {
    api = await startApi();
    await registerOrganisations(api);
    await registerLot(api, LOT);
    await releaseLot(api, LOT);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('marks the shipped units the receipt did not take in as rejected at the receiving site', async () => {
    const [kept, refused, elsewhere] = LOT.codes;
    // Two shipments of the batch to the same CDC, in transit together.
    const first = await created('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: minutesAgo(120),
      deliveryNoteNo: LOT.deliveryNotes[0],
      lines: [{ batchId: BATCH, quantity: 2, traceCodes: [kept, refused] }],
    });
    await created('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: minutesAgo(110),
      deliveryNoteNo: LOT.deliveryNotes[1],
      lines: [{ batchId: BATCH, quantity: 1, traceCodes: [elsewhere] }],
    });
    await created(`/v1/shipments/${String(first.id)}/receipt`, AS.cdc, {
      receivedAt: minutesAgo(60),
      lines: [{ batchId: BATCH, accepted: 1, rejected: 1, traceCodes: [kept] }],
      verification: { result: 'discrepancy', reasonCode: 'damaged_case', releaseCertificateChecked: true },
      temperatureLog: LOT.temperatureLog,
    });
    await api.settle();
    expect(await state(kept)).toMatchObject({ batchId: BATCH, holder: ORGS.cdc, state: 'in_stock' });
    expect(await state(refused)).toMatchObject({ batchId: BATCH, holder: ORGS.cdc, state: 'rejected' });
    expect(await state(elsewhere)).toMatchObject({ batchId: BATCH, holder: ORGS.cdc, state: 'in_transit' });
  });
});
