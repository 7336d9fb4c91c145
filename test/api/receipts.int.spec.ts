import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// POST /v1/shipments/{id}/receipt over HTTP and real PostgreSQL: every refusal appends
// nothing and names its field; a 201 says what was accepted and rejected.

const PRODUCT = '8696321';
const BATCH = `${PRODUCT}-RCPT01`;
const OTHER = `${PRODUCT}-RCPT02`;
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const temperatureLog = { deviceId: 'TL-9', readings: [{ at: minutesAgo(90), celsius: 4.5 }] };
const accepted = { result: 'accepted', releaseCertificateChecked: true };

describe('shipment receipts', () => {
  let api: ApiHarness;

  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  let notes = 0;
  /** A fresh maker → CDC shipment of 4 doses of BATCH (and 2 of OTHER when asked), under a note of its own. */
  const ship = async (withOther = false): Promise<string> => {
    const lines = [{ batchId: BATCH, quantity: 4 }, ...(withOther ? [{ batchId: OTHER, quantity: 2 }] : [])];
    const sent = await post('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: minutesAgo(120),
      deliveryNoteNo: `DN-R-${++notes}`,
      lines,
    });
    return sent.id as string;
  };
  /** Posts a receipt that must be refused; checks the problem and that nothing was appended. */
  const refused = async (shipmentId: string, body: object, status: number, code: string, field: string): Promise<void> => {
    const before = await api.logSize();
    const res = await api.http.post(`/v1/shipments/${shipmentId}/receipt`).set(AS.cdc).send(body);
    expect({ status: res.status, type: res.type, code: res.body.code }).toEqual({ status, type: 'application/problem+json', code });
    expect(res.body.errors).toEqual([{ field, reason: code }]);
    expect(await api.logSize()).toBe(before);
  };

  beforeAll(async () => {
    api = await startApi();
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });
    await post('/v1/products', AS.maker, {
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
    });
    for (const batchId of [BATCH, OTHER]) {
      const lotNumber = batchId.split('-')[1]!;
      await post('/v1/batches', AS.maker, {
        productCode: PRODUCT,
        lotNumber,
        producedOn: '2026-09-01',
        expiresOn: '2028-08-31',
        quantity: 40,
      });
      await post(`/v1/batches/${batchId}/release`, AS.regulator, { certificateNo: `C-${lotNumber}`, decidedOn: '2026-09-05' });
    }
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('refuses to accept doses without a temperature log (422 TEMPERATURE_LOG_REQUIRED on temperatureLog)', async () => {
    const id = await ship();
    await refused(
      id,
      { receivedAt: minutesAgo(60), lines: [{ batchId: BATCH, accepted: 4, rejected: 0 }], verification: accepted },
      422,
      'TEMPERATURE_LOG_REQUIRED',
      'temperatureLog',
    );
    await refused(
      id,
      {
        receivedAt: minutesAgo(60),
        lines: [{ batchId: BATCH, accepted: 4, rejected: 0 }],
        verification: accepted,
        temperatureLog: { deviceId: 'TL-9', readings: [] },
      },
      422,
      'TEMPERATURE_LOG_REQUIRED',
      'temperatureLog',
    );
  });

  it('refuses counts that do not add up to the shipped quantity (422 RECEIPT_QUANTITY_MISMATCH)', async () => {
    const id = await ship(true);
    const receipt = (lines: object[]) => ({ receivedAt: minutesAgo(60), lines, verification: accepted, temperatureLog });
    const both = (batchLine: object) => [batchLine, { batchId: OTHER, accepted: 2, rejected: 0 }];
    await refused(id, receipt(both({ batchId: BATCH, accepted: 3, rejected: 0 })), 422, 'RECEIPT_QUANTITY_MISMATCH', 'lines[0]');
    await refused(id, receipt(both({ batchId: BATCH, accepted: 4, rejected: 1 })), 422, 'RECEIPT_QUANTITY_MISMATCH', 'lines[0]');
    await refused(id, receipt([{ batchId: BATCH, accepted: 4, rejected: 0 }]), 422, 'RECEIPT_QUANTITY_MISMATCH', 'lines');
    const res = await api.http
      .post(`/v1/shipments/${id}/receipt`)
      .set(AS.cdc)
      .send(receipt(both({ batchId: BATCH, accepted: 3, rejected: 0 })));
    expect(res.body.detail).toMatch(/accepted 3 \+ rejected 0 = 3 doses of .*, but 4 were shipped/);
  });

  it('refuses a receipt dated before the shipment left (422 RECEIPT_BEFORE_DISPATCH on receivedAt)', async () => {
    const id = await ship(); // dispatched two hours ago
    const lines = [{ batchId: BATCH, accepted: 4, rejected: 0 }];
    await refused(
      id,
      { receivedAt: minutesAgo(130), lines, verification: accepted, temperatureLog },
      422,
      'RECEIPT_BEFORE_DISPATCH',
      'receivedAt',
    );
    // Within the five minutes two sites' clocks may disagree by, it is taken.
    await post(`/v1/shipments/${id}/receipt`, AS.cdc, { receivedAt: minutesAgo(123), lines, verification: accepted, temperatureLog });
  });

  it('answers 201 with what was accepted and rejected, and replays it as 200', async () => {
    const id = await ship(true);
    const body = {
      receivedAt: minutesAgo(60),
      lines: [
        { batchId: BATCH, accepted: 3, rejected: 1 },
        { batchId: OTHER, accepted: 2, rejected: 0 },
      ],
      verification: { result: 'discrepancy', reasonCode: 'damaged_case', releaseCertificateChecked: true },
      temperatureLog,
    };
    const res = await api.http.post(`/v1/shipments/${id}/receipt`).set(AS.cdc).set('Idempotency-Key', `rcpt-${id}`).send(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id,
      accepted: 5,
      rejected: 1,
      lines: [
        { batchId: BATCH, shipped: 4, accepted: 3, rejected: 1 },
        { batchId: OTHER, shipped: 2, accepted: 2, rejected: 0 },
      ],
      verification: { result: 'discrepancy', reasonCode: 'damaged_case' },
      temperatureLog: 'provided',
      quarantined: false,
    });
    expect(res.body.eventIds).toHaveLength(1);
    const again = await api.http.post(`/v1/shipments/${id}/receipt`).set(AS.cdc).set('Idempotency-Key', `rcpt-${id}`).send(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  it('records a whole-shipment refusal without a log as counted, and says so', async () => {
    const id = await ship();
    const res = await api.http
      .post(`/v1/shipments/${id}/receipt`)
      .set(AS.cdc)
      .send({
        receivedAt: minutesAgo(60),
        lines: [{ batchId: BATCH, accepted: 0, rejected: 4 }],
        verification: { result: 'rejected', reasonCode: 'no_temperature_record', releaseCertificateChecked: true },
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accepted: 0,
      rejected: 4,
      verification: { result: 'rejected', reasonCode: 'no_temperature_record' },
      temperatureLog: 'not_provided',
    });
  });

  it('reports a reading out of range as a rejection of every dose', async () => {
    const id = await ship();
    const res = await api.http
      .post(`/v1/shipments/${id}/receipt`)
      .set(AS.cdc)
      .send({
        receivedAt: minutesAgo(60),
        lines: [{ batchId: BATCH, accepted: 4, rejected: 0 }],
        verification: accepted,
        temperatureLog: { deviceId: 'TL-9', readings: [{ at: minutesAgo(90), celsius: 11.5 }] },
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accepted: 0,
      rejected: 4,
      lines: [{ batchId: BATCH, shipped: 4, accepted: 0, rejected: 4 }],
      verification: { result: 'rejected', reasonCode: 'TEMPERATURE_OUT_OF_RANGE' },
    });
  });
});
