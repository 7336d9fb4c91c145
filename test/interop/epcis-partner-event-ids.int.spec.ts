import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { type CaptureJob, captureAndWait, epcisDocument, siteUri, traceCodeUri } from '../support/epcis-documents';
import { epcisSchemaErrors } from '../support/epcis-schema';

// A partner's eventID survives capture: the facts an EPCIS event becomes keep it in their
// metadata (set at append time, so in their leaf hash and in what sync carries), the EPCIS query
// answers to it (EQ_eventID and /epcis/events/{eventID}) and serves the event with it. A
// receipt names the delivery note (desadv) of the dispatch it received. Facts recorded through
// /v1 keep their own urn:uuid.

const PRODUCT = '8696321';
const LOT = 'PEID2026';
const BATCH = `${PRODUCT}-${LOT}`;
const CODES = ['86963210000000000501', '86963210000000000502', '86963210000000000503'];
const V1_CODES = ['86963210000000000511', '86963210000000000512'];
const SHIPPING_ID = 'urn:uuid:6b1e3c10-5f4a-4c2b-9d8e-0a1b2c3d4e5f';
const RECEIVING_ID = 'urn:uuid:6b1e3c10-5f4a-4c2b-9d8e-0a1b2c3d4e60';
const NOTE = 'DN-PEID-1';
const DESADV = `https://id.vaxledger.example/desadv/${ORGS.maker}/${NOTE}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
// Fixed for the run: a captured event sent again must be the same event.
const SHIPPED_AT = daysAgo(10);
const RECEIVED_AT = daysAgo(9);

type EpcisEvent = Record<string, unknown> & { eventID: string; bizStep: string };

const shipping = (eventID: string, codes: readonly string[], note: string): object => ({
  type: 'ObjectEvent',
  eventID,
  action: 'OBSERVE',
  bizStep: 'shipping',
  disposition: 'in_transit',
  eventTime: SHIPPED_AT,
  eventTimeZoneOffset: '+00:00',
  epcList: codes.map(traceCodeUri),
  bizTransactionList: [{ type: 'desadv', bizTransaction: `https://id.vaxledger.example/desadv/${ORGS.maker}/${note}` }],
  sourceList: [{ type: 'owning_party', source: siteUri(ORGS.maker) }],
  destinationList: [{ type: 'owning_party', destination: siteUri(ORGS.cdc) }],
});

// The receiver names the dispatch by sender and delivery note (no vx:shipmentId), as a partner would.
const receiving = (eventID: string): object => ({
  type: 'ObjectEvent',
  eventID,
  action: 'OBSERVE',
  bizStep: 'receiving',
  disposition: 'sellable_not_accessible',
  eventTime: RECEIVED_AT,
  eventTimeZoneOffset: '+00:00',
  epcList: CODES.map(traceCodeUri),
  bizTransactionList: [{ type: 'desadv', bizTransaction: DESADV }],
  sourceList: [{ type: 'owning_party', source: siteUri(ORGS.maker) }],
  sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 5.1, uom: 'CEL', time: RECEIVED_AT }] }],
});

describe('EPCIS 2.0: a partner’s eventID is kept', () => {
  let api: ApiHarness;

  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const capture = (as: Record<string, string>, events: object[]): Promise<CaptureJob> =>
    captureAndWait(api.http, as, epcisDocument(events));
  /** An EPCIS answer: checked against GS1's schema, its events given back. */
  const query = async (path: string, as: Record<string, string> = AS.regulator): Promise<EpcisEvent[]> => {
    await api.settle();
    const res = await api.http.get(path).set(as);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect({ path, errors: epcisSchemaErrors(res.body) }).toEqual({ path, errors: [] });
    return res.body.epcisBody.queryResults.resultsBody.eventList as EpcisEvent[];
  };
  const byEqEventId = (id: string, as?: Record<string, string>): Promise<EpcisEvent[]> =>
    query(`/epcis/events?EQ_eventID=${encodeURIComponent(id)}`, as);
  const byPath = (id: string, as?: Record<string, string>): Promise<EpcisEvent[]> => query(`/epcis/events/${encodeURIComponent(id)}`, as);
  /** The facts of the log that carry a partner's eventID in their metadata. */
  const loggedWith = async (id: string): Promise<{ type: string; eventId: string }[]> => {
    const events = await api.runtime.store.readAll({ after: 0n, limit: 10_000 });
    return events.filter((e) => e.metadata.epcisEventId === id).map((e) => ({ type: e.type, eventId: e.eventId }));
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
    await post('/v1/batches', AS.maker, {
      productCode: PRODUCT,
      lotNumber: LOT,
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: CODES.length + V1_CODES.length,
      traceCodes: [...CODES, ...V1_CODES],
    });
    await post(`/v1/batches/${BATCH}/release`, AS.regulator, { certificateNo: 'C-PEID', decidedOn: '2026-09-05' });
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  }, 120_000);

  it('answers a captured shipping and receiving event by the eventIDs their partners sent, by EQ_eventID and by path', async () => {
    expect(await capture(AS.maker, [shipping(SHIPPING_ID, CODES, NOTE)])).toMatchObject({ success: true, errors: [] });
    expect(await capture(AS.cdc, [receiving(RECEIVING_ID)])).toMatchObject({ success: true, errors: [] });

    const [shipped] = await byEqEventId(SHIPPING_ID);
    expect(shipped).toMatchObject({
      eventID: SHIPPING_ID,
      bizStep: 'shipping',
      bizTransactionList: [{ type: 'desadv', bizTransaction: DESADV }],
    });
    expect(await byEqEventId(SHIPPING_ID)).toHaveLength(1);
    // Our own id of the fact stays beside it, and still finds it.
    const ledgerId = String(shipped!['vx:ledgerEventID']);
    expect(ledgerId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(ledgerId).not.toBe(SHIPPING_ID);
    expect((await byEqEventId(ledgerId)).map((e) => e.eventID)).toEqual([SHIPPING_ID]);
    expect((await byPath(SHIPPING_ID)).map((e) => e.eventID)).toEqual([SHIPPING_ID]);

    const received = await byPath(RECEIVING_ID, AS.cdc);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ eventID: RECEIVING_ID, bizStep: 'receiving' });
    expect((await byEqEventId(RECEIVING_ID, AS.cdc)).map((e) => e.eventID)).toEqual([RECEIVING_ID]);
    // A UUID's case does not matter.
    expect((await byPath(RECEIVING_ID.toUpperCase().replace('URN:UUID:', 'urn:uuid:'))).map((e) => e.eventID)).toEqual([RECEIVING_ID]);

    // The eventID is in each fact's metadata (so in its leaf hash and in what sync carries).
    expect((await loggedWith(SHIPPING_ID)).map((e) => e.type)).toEqual(['ShipmentDispatched']);
    expect((await loggedWith(RECEIVING_ID)).map((e) => e.type)).toEqual(['ShipmentReceived']);
  }, 120_000);

  it('names the receipt’s delivery note (desadv) from the dispatch it received, and finds the receipt by the unit', async () => {
    const [received] = await byEqEventId(RECEIVING_ID);
    expect(received).toMatchObject({
      bizTransactionList: [{ type: 'desadv', bizTransaction: DESADV }],
      sourceList: expect.arrayContaining([{ type: 'owning_party', source: siteUri(ORGS.maker) }]),
    });
    const life = await query(`/epcis/events?MATCH_epc=${encodeURIComponent(traceCodeUri(CODES[0]!))}&EQ_bizStep=receiving`);
    expect(life.map((e) => [e.eventID, e.bizTransactionList])).toEqual([[RECEIVING_ID, [{ type: 'desadv', bizTransaction: DESADV }]]]);
  }, 120_000);

  it('finds a dispatch and its receipt by the delivery note (EQ_bizTransaction_desadv), and nothing by another', async () => {
    const byDesadv = (uri: string): Promise<EpcisEvent[]> => query(`/epcis/events?EQ_bizTransaction_desadv=${encodeURIComponent(uri)}`);
    expect((await byDesadv(DESADV)).map((e) => [e.eventID, e.bizStep])).toEqual([
      [SHIPPING_ID, 'shipping'],
      [RECEIVING_ID, 'receiving'],
    ]);
    expect(await byDesadv(`https://id.vaxledger.example/desadv/${ORGS.maker}/DN-NONE`)).toEqual([]);
    expect(await byDesadv(`https://id.vaxledger.example/desadv/${ORGS.cdc}/${NOTE}`)).toEqual([]);
    const bad = await api.http.get('/epcis/events?EQ_bizTransaction_desadv=urn%3Aexample%3Adn%3A1').set(AS.regulator);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'EQ_bizTransaction_desadv' }] });
  }, 120_000);

  it('appends nothing when the same events are captured again, and still answers to their eventIDs once', async () => {
    const before = await api.logSize();
    expect(await capture(AS.maker, [shipping(SHIPPING_ID, CODES, NOTE)])).toMatchObject({ success: true, appendedEvents: 0 });
    expect(await capture(AS.cdc, [receiving(RECEIVING_ID)])).toMatchObject({ success: true, appendedEvents: 0 });
    expect(await api.logSize()).toBe(before);
    expect(await byEqEventId(`${SHIPPING_ID}|${RECEIVING_ID}`)).toHaveLength(2);
  }, 120_000);

  it('refuses an eventID another event here already has, and one that is not a URI, appending nothing', async () => {
    await api.settle();
    const before = await api.logSize();
    // Another organisation (the CDC, shipping on) reusing the maker's eventID for its own event.
    const cdcShip = {
      ...(shipping(SHIPPING_ID, CODES.slice(0, 1), 'DN-PEID-CDC') as Record<string, unknown>),
      bizTransactionList: [{ type: 'desadv', bizTransaction: `https://id.vaxledger.example/desadv/${ORGS.cdc}/DN-PEID-CDC` }],
      sourceList: [{ type: 'owning_party', source: siteUri(ORGS.cdc) }],
      destinationList: [{ type: 'owning_party', destination: siteUri(ORGS.maker) }],
    };
    expect(await capture(AS.cdc, [cdcShip])).toMatchObject({
      success: false,
      appendedEvents: 0,
      errors: [{ eventIndex: 0, eventID: SHIPPING_ID, code: 'EPCIS_EVENT_ID_TAKEN' }],
    });
    expect(await capture(AS.cdc, [{ ...cdcShip, eventID: 'shipment 7' }])).toMatchObject({
      success: false,
      errors: [{ eventIndex: 0, code: 'EPCIS_UNSUPPORTED_IDENTIFIER' }],
    });
    expect(await api.logSize()).toBe(before);
    expect(await byEqEventId(SHIPPING_ID)).toHaveLength(1);
  }, 120_000);

  it('serves facts recorded through /v1 with their own urn:uuid, as before, with the receipt’s delivery note', async () => {
    const dispatched = await post('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(5),
      deliveryNoteNo: 'DN-PEID-V1',
      orderNo: 'PO-PEID-V1',
      lines: [{ batchId: BATCH, quantity: V1_CODES.length, traceCodes: V1_CODES }],
    });
    await api.settle();
    const receipt = await post(`/v1/shipments/${String(dispatched.id)}/receipt`, AS.cdc, {
      receivedAt: daysAgo(4),
      lines: [{ batchId: BATCH, accepted: V1_CODES.length, rejected: 0, traceCodes: V1_CODES }],
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog: { deviceId: 'TL-1', readings: [{ at: daysAgo(4), celsius: 4.5 }] },
    });
    const [eventId] = receipt.eventIds as string[];
    const [served] = await byPath(`urn:uuid:${eventId!}`);
    expect(served).toMatchObject({
      eventID: `urn:uuid:${eventId!}`,
      bizTransactionList: [{ type: 'desadv', bizTransaction: `https://id.vaxledger.example/desadv/${ORGS.maker}/DN-PEID-V1` }],
    });
    expect(served).not.toHaveProperty('vx:ledgerEventID');
    // The dispatch is found by the receiver's order number (EQ_bizTransaction_po).
    const ordered = await query(
      `/epcis/events?EQ_bizTransaction_po=${encodeURIComponent(`https://id.vaxledger.example/po/${ORGS.cdc}/PO-PEID-V1`)}`,
    );
    expect(ordered.map((e) => [e.eventID, e.bizStep])).toEqual([[`urn:uuid:${(dispatched.eventIds as string[])[0]!}`, 'shipping']]);
    // An unknown eventID of any form is 404, and a value that is no URI 400.
    expect(
      (await api.http.get(`/epcis/events/${encodeURIComponent('urn:uuid:6b1e3c10-0000-4000-8000-000000000000')}`).set(AS.regulator)).status,
    ).toBe(404);
    expect((await api.http.get(`/epcis/events/${encodeURIComponent('https://partner.example/e/1')}`).set(AS.regulator)).status).toBe(404);
    expect((await api.http.get('/epcis/events/shipment7').set(AS.regulator)).status).toBe(400);
  }, 120_000);
});
