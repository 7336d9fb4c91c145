import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import {
  type CaptureJob,
  captureAndWait,
  commissioningEvent,
  epcisDocument,
  lotClassUri,
  serialCodes,
  siteUri,
  traceCodeUri,
} from '../support/epcis-documents';
import { EPCIS_FIXTURES, epcisSchemaErrors } from '../support/epcis-schema';
import { until } from '../support/until';

// EPCIS capture on a real node: documents become the same commands as /v1 (same handlers, role
// gates and DTO checks), so a batch captured and shipped through EPCIS has the same trace as one
// entered through /v1; a rule refusal fails the job with our stable code; capturing again
// appends nothing; GS1's official examples are refused with reasons, never a 500.

const PRODUCT = '8696321';
const UNITS = 1000;
const codes = (lot: number): string[] => serialCodes(PRODUCT, lot, UNITS);
const tc = traceCodeUri;
const site = siteUri;
const lotClass = (lot: string): string => lotClassUri(PRODUCT, lot);
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const doc = epcisDocument;
const commissioning = (lot: string, units: string[]): object => commissioningEvent(lot, units);
const shipping = (id: string, units: string[], note: string): object => ({
  type: 'ObjectEvent',
  eventID: id,
  action: 'OBSERVE',
  bizStep: 'shipping',
  disposition: 'in_transit',
  eventTime: daysAgo(20),
  eventTimeZoneOffset: '+00:00',
  epcList: units.map(tc),
  bizTransactionList: [{ type: 'desadv', bizTransaction: `https://id.vaxledger.example/desadv/${ORGS.maker}/${note}` }],
  sourceList: [{ type: 'owning_party', source: site(ORGS.maker) }],
  destinationList: [{ type: 'owning_party', destination: site(ORGS.cdc) }],
});

describe('EPCIS 2.0 capture', () => {
  let api: ApiHarness;

  const capture = (as: Record<string, string>, document: object): Promise<CaptureJob> =>
    captureAndWait(api.http, as, document, {
      onAccepted: (res) => {
        expect(res.headers['gs1-epcis-version']).toBe('2.0.0');
        expect(String(res.headers.location)).toBe(`/epcis/capture/${String(res.body.captureID)}`);
      },
    });
  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  /** A trace without the ids and times that differ between two equal histories. */
  const traceShape = async (batchId: string): Promise<unknown> => {
    await api.settle();
    const res = await api.http.get(`/v1/batches/${batchId}/trace`).set(AS.regulator);
    expect(res.status).toBe(200);
    const { custody, onHand, inTransit, administered, destroyed, unaccounted, status } = res.body as Record<string, unknown>;
    return {
      status,
      custody: (custody as Record<string, unknown>[]).map(({ type, fromSite, toSite, quantity }) => ({ type, fromSite, toSite, quantity })),
      onHand,
      inTransit,
      administered,
      destroyed,
      unaccounted,
    };
  };

  beforeAll(async () => {
    api = await startApi();
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });
    await post('/v1/products', AS.maker, {
      productCode: PRODUCT,
      name: 'HepB 10 µg',
      vaccineType: 'HepB',
      approvalNo: 'S1',
      mahOrgCode: ORGS.maker,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: 'NIP',
      serialised: true,
    });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  }, 120_000);

  it('commissions 1,000 units, refuses their shipping before lot release, and after release ships them exactly as /v1 would', async () => {
    const units = codes(1);
    const commissioned = await capture(AS.maker, doc([commissioning('CAP1', units)]));
    expect(commissioned).toMatchObject({ success: true, status: 'success', eventCount: 1, errors: [] });
    expect(commissioned.appendedEvents).toBeGreaterThanOrEqual(1);

    // Not released yet: the dispatch rule refuses it, with our stable code, and nothing is appended.
    const before = await api.logSize();
    const early = await capture(AS.maker, doc([shipping('urn:uuid:5b0c1b7e-0000-4000-8000-000000000001', units, 'DN-CAP1')]));
    expect(early).toMatchObject({
      success: false,
      status: 'failed',
      appendedEvents: 0,
      errors: [{ eventIndex: 0, code: 'BATCH_NOT_RELEASED' }],
    });
    expect(await api.logSize()).toBe(before);

    // The release authority captures lot release (inspecting, conformant, with its certificate).
    const release = await capture(
      AS.regulator,
      doc([
        {
          type: 'ObjectEvent',
          eventID: 'urn:uuid:5b0c1b7e-0000-4000-8000-0000000000a1',
          action: 'OBSERVE',
          bizStep: 'inspecting',
          disposition: 'conformant',
          eventTime: '2026-09-05T10:00:00+08:00',
          eventTimeZoneOffset: '+08:00',
          epcList: [],
          quantityList: [{ epcClass: lotClass('CAP1') }],
          bizTransactionList: [{ type: 'cert', bizTransaction: `https://id.vaxledger.example/release/${ORGS.regulator}/C-CAP1` }],
        },
      ]),
    );
    expect(release).toMatchObject({ success: true, errors: [] });
    const shipped = await capture(AS.maker, doc([shipping('urn:uuid:5b0c1b7e-0000-4000-8000-000000000002', units, 'DN-CAP1')]));
    expect(shipped).toMatchObject({ success: true, errors: [] });
    const received = await capture(
      AS.cdc,
      doc([
        {
          type: 'ObjectEvent',
          eventID: 'urn:uuid:5b0c1b7e-0000-4000-8000-000000000003',
          action: 'OBSERVE',
          bizStep: 'receiving',
          disposition: 'sellable_not_accessible',
          eventTime: daysAgo(19),
          eventTimeZoneOffset: '+00:00',
          epcList: units.map(tc),
          bizTransactionList: [{ type: 'desadv', bizTransaction: `https://id.vaxledger.example/desadv/${ORGS.maker}/DN-CAP1` }],
          sourceList: [{ type: 'owning_party', source: site(ORGS.maker) }],
          sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 5.2, uom: 'CEL', time: daysAgo(19) }] }],
        },
      ]),
    );
    expect(received).toMatchObject({ success: true, errors: [] });

    // The same history entered through /v1 on a twin batch.
    const twin = codes(2);
    await post('/v1/batches', AS.maker, {
      productCode: PRODUCT,
      lotNumber: 'CAP2',
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: UNITS,
      traceCodes: twin,
    });
    await post(`/v1/batches/${PRODUCT}-CAP2/release`, AS.regulator, { certificateNo: 'C-CAP2', decidedOn: '2026-09-05' });
    await api.settle();
    const toCdc = await post('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(20),
      deliveryNoteNo: 'DN-CAP2',
      lines: [{ batchId: `${PRODUCT}-CAP2`, quantity: UNITS, traceCodes: twin }],
    });
    await api.settle();
    await post(`/v1/shipments/${String(toCdc.id)}/receipt`, AS.cdc, {
      receivedAt: daysAgo(19),
      lines: [{ batchId: `${PRODUCT}-CAP2`, accepted: UNITS, rejected: 0, traceCodes: twin }],
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog: { deviceId: 'sensor', readings: [{ at: daysAgo(19), celsius: 5.2 }] },
    });
    expect(await traceShape(`${PRODUCT}-CAP1`)).toEqual(await traceShape(`${PRODUCT}-CAP2`));
    expect(await traceShape(`${PRODUCT}-CAP1`)).toMatchObject({ status: 'released', onHand: [{ site: ORGS.cdc, available: UNITS }] });

    // And EPCIS answers the captured unit's whole life.
    const life = await api.http.get(`/epcis/events?MATCH_epc=${encodeURIComponent(tc(units[0]!))}`).set(AS.regulator);
    expect(epcisSchemaErrors(life.body)).toEqual([]);
    expect((life.body.epcisBody.queryResults.resultsBody.eventList as { bizStep: string }[]).map((e) => e.bizStep)).toEqual([
      'commissioning',
      'shipping',
      'receiving',
    ]);
  }, 120_000);

  it('appends nothing when the same document is captured again, also for events without an eventID (their CBV event hash)', async () => {
    const { eventID: _id, ...withoutId } = commissioning('CAP3', codes(3)) as { eventID: string };
    const document = doc([withoutId, commissioning('CAP3B', codes(33))]);
    expect(await capture(AS.maker, document)).toMatchObject({ success: true, appendedEvents: 2 });
    const before = await api.logSize();
    expect(await capture(AS.maker, document)).toMatchObject({ success: true, appendedEvents: 0 });
    expect(await api.logSize()).toBe(before);
  }, 120_000);

  it('is all or nothing: a third event that breaks a rule leaves no fact of the first two, and the job names its code', async () => {
    const before = await api.logSize();
    const first = codes(7);
    const job = await capture(
      AS.maker,
      doc([
        commissioning('CAP7', first),
        commissioning('CAP8', codes(8)),
        // CAP7 exists only in this document and is not released: the dispatch rule refuses it.
        shipping('urn:uuid:5b0c1b7e-0000-4000-8000-000000000007', first, 'DN-CAP7'),
      ]),
    );
    expect(job).toMatchObject({
      success: false,
      status: 'failed',
      appendedEvents: 0,
      errors: [{ eventIndex: 2, eventID: 'urn:uuid:5b0c1b7e-0000-4000-8000-000000000007', code: 'BATCH_NOT_RELEASED' }],
    });
    expect(job.errors).toHaveLength(1);
    await api.settle();
    expect(await api.logSize()).toBe(before);
    for (const lot of ['CAP7', 'CAP8'])
      expect((await api.http.get(`/v1/batches/${PRODUCT}-${lot}/trace`).set(AS.regulator)).status).toBe(404);
    // The first two alone are accepted: nothing of the failed attempt was kept under their keys.
    expect(await capture(AS.maker, doc([commissioning('CAP7', first), commissioning('CAP8', codes(8))]))).toMatchObject({
      success: true,
      appendedEvents: 2,
    });
    await api.settle();
    expect((await api.http.get(`/v1/batches/${PRODUCT}-CAP7/trace`).set(AS.regulator)).status).toBe(200);
  }, 120_000);

  it('decides each event on what the earlier events of the document did: the same units shipped twice are refused', async () => {
    const units = codes(9);
    await post('/v1/batches', AS.maker, {
      productCode: PRODUCT,
      lotNumber: 'CAP9',
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: UNITS,
      traceCodes: units,
    });
    await post(`/v1/batches/${PRODUCT}-CAP9/release`, AS.regulator, { certificateNo: 'C-CAP9', decidedOn: '2026-09-05' });
    await api.settle();
    const before = await api.logSize();
    const job = await capture(
      AS.maker,
      doc([
        shipping('urn:uuid:5b0c1b7e-0000-4000-8000-000000000091', units.slice(0, 10), 'DN-CAP9A'),
        shipping('urn:uuid:5b0c1b7e-0000-4000-8000-000000000092', units.slice(5, 15), 'DN-CAP9B'),
      ]),
    );
    expect(job).toMatchObject({ success: false, appendedEvents: 0, errors: [{ eventIndex: 1 }] });
    expect(job.errors[0]!.code).toMatch(/^(TRACE_CODE_|INSUFFICIENT_STOCK)/);
    expect(await api.logSize()).toBe(before);
  }, 120_000);

  it('checks every event before appending any: one bad event fails the document and appends nothing', async () => {
    const before = await api.logSize();
    const job = await capture(
      AS.maker,
      doc([
        commissioning('CAP4', codes(4)),
        { type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'shipping', eventTime: daysAgo(1), epcList: [tc('86963219999999999999')] },
      ]),
    );
    expect(job).toMatchObject({ success: false, appendedEvents: 0, errors: [{ eventIndex: 1, code: 'UNKNOWN_TRACE_CODE' }] });
    expect(await api.logSize()).toBe(before);
  }, 120_000);

  it('applies the /v1 role gates: a CDC cannot commission a batch', async () => {
    const job = await capture(AS.cdc, doc([commissioning('CAP5', codes(5))]));
    expect(job).toMatchObject({ success: false, errors: [{ eventIndex: 0, code: 'FORBIDDEN' }] });
  }, 120_000);

  it('refuses GS1’s official examples with per-event reasons, never a 500, appending nothing', async () => {
    const before = await api.logSize();
    const dir = join(EPCIS_FIXTURES, 'examples');
    for (const file of readdirSync(dir)) {
      const job = await capture(AS.maker, JSON.parse(readFileSync(join(dir, file), 'utf8')) as object);
      expect({ file, success: job.success }).toEqual({ file, success: false });
      for (const e of job.errors) expect(e.code).toMatch(/^(EPCIS_|UNKNOWN_)/);
    }
    expect(await api.logSize()).toBe(before);
  }, 120_000);

  it('refuses a body that is not an EPCISDocument, and hides other organisations’ jobs', async () => {
    const bad = await api.http.post('/epcis/capture').set(AS.maker).send({ type: 'EPCISQueryDocument' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const res = await api.http
      .post('/epcis/capture')
      .set(AS.maker)
      .send(doc([commissioning('CAP6', codes(6))]));
    expect((await api.http.get(String(res.headers.location)).set(AS.cdc)).status).toBe(404);
    expect((await api.http.get('/epcis/capture/nope').set(AS.maker)).status).toBe(400);
    await until('the CAP6 job', async () => (await api.http.get(String(res.headers.location)).set(AS.maker)).body.running === false);
  }, 120_000);
});
