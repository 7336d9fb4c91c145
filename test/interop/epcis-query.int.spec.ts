import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { epcisSchemaErrors } from '../support/epcis-schema';

// EPCIS 2.0 queries over facts entered through /v1, on a real node (PostgreSQL log and read
// models): each answer is an EPCISQueryDocument that GS1's schema accepts, a trace code's
// MATCH_epc gives its whole life, doses appear only as pseudonymous dispensing events.

const PRODUCT = '8696321';
const LOT = 'EPCQ2026A';
const BATCH = `${PRODUCT}-${LOT}`;
const CODES = ['86963210000000000101', '86963210000000000102', '86963210000000000103', '86963210000000000104'];
const tc = (code: string): string => `https://id.vaxledger.example/nmpa/tc/${code}`;
const LOT_CLASS = `https://id.vaxledger.example/nmpa/product/${PRODUCT}/lot/${LOT}`;
const site = (org: string): string => `https://id.vaxledger.example/site/${org}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const PERSON = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '李四', birthDate: '2021-01-15', sex: 'F' };

type EpcisEvent = Record<string, unknown> & { eventID: string; bizStep: string; epcList?: string[] };

describe('EPCIS 2.0 queries', () => {
  let api: ApiHarness;
  let doseEventId: string;
  let personId: string;

  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  /** Every answer is checked against GS1's schema and the headers the binding asks for. */
  const query = async (path: string, as: Record<string, string> = AS.regulator): Promise<{ events: EpcisEvent[]; link?: string }> => {
    const res = await api.http.get(path).set(as);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect(res.headers['gs1-epcis-version']).toBe('2.0.0');
    expect(res.headers['content-type']).toContain('application/ld+json');
    expect({ path, errors: epcisSchemaErrors(res.body) }).toEqual({ path, errors: [] });
    expect(res.body.type).toBe('EPCISQueryDocument');
    const link = res.headers.link as string | undefined;
    return { events: res.body.epcisBody.queryResults.resultsBody.eventList as EpcisEvent[], ...(link ? { link } : {}) };
  };

  beforeAll(async () => {
    api = await startApi();
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });
    await post('/v1/organisations', AS.regulator, {
      orgCode: ORGS.clinic,
      name: 'Clinic',
      kind: 'clinic',
      provinceCode: '440000',
      parentOrgCode: ORGS.cdc,
    });
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
      quantity: 4,
      traceCodes: CODES,
    });
    await post(`/v1/batches/${BATCH}/release`, AS.regulator, { certificateNo: 'C-EPCQ', decidedOn: '2026-09-05' });
    await api.settle();
    const receipt = { verification: { result: 'accepted', releaseCertificateChecked: true } };
    const toCdc = await post('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(50),
      deliveryNoteNo: 'DN-EPCQ-1',
      lines: [{ batchId: BATCH, quantity: 4, traceCodes: CODES }],
    });
    await api.settle();
    await post(`/v1/shipments/${String(toCdc.id)}/receipt`, AS.cdc, {
      ...receipt,
      receivedAt: daysAgo(46),
      lines: [{ batchId: BATCH, accepted: 4, rejected: 0, traceCodes: CODES }],
      temperatureLog: {
        deviceId: 'TL-88',
        readings: [
          { at: daysAgo(47), celsius: 4.8 },
          { at: daysAgo(46), celsius: 5.1 },
        ],
      },
    });
    await api.settle();
    const toClinic = await post('/v1/shipments', AS.cdc, {
      toSite: ORGS.clinic,
      dispatchedAt: daysAgo(45),
      deliveryNoteNo: 'DN-EPCQ-2',
      lines: [{ batchId: BATCH, quantity: 2, traceCodes: CODES.slice(0, 2) }],
    });
    await api.settle();
    await post(`/v1/shipments/${String(toClinic.id)}/receipt`, AS.clinic, {
      ...receipt,
      receivedAt: daysAgo(44),
      lines: [{ batchId: BATCH, accepted: 2, rejected: 0, traceCodes: CODES.slice(0, 2) }],
      temperatureLog: { deviceId: 'TL-9', readings: [{ at: daysAgo(44), celsius: 5 }] },
    });
    await api.settle();
    const dose = await post('/v1/doses', AS.clinic, {
      person: PERSON,
      batchId: BATCH,
      traceCode: CODES[0],
      doseNumber: 1,
      administeredAt: daysAgo(10),
      route: 'IM',
      vaccinatorRef: 'V-1',
    });
    personId = String(dose.id);
    doseEventId = (dose.eventIds as string[]).at(-1)!;
    await api.settle();
    await post('/v1/destructions', AS.cdc, {
      destroyedAt: daysAgo(5),
      lines: [{ batchId: BATCH, quantity: 1, traceCodes: [CODES[3]] }],
      reasonCode: 'damaged',
      executorRef: 'E-1',
      supervisorRef: 'S-1',
      supervisorOrgCode: ORGS.regulator,
    });
    await api.settle();
  }, 180_000);
  afterAll(async () => {
    await api?.close();
  });

  it('answers MATCH_epc of one trace code with its whole life, in log order', async () => {
    const { events } = await query(`/epcis/events?MATCH_epc=${encodeURIComponent(tc(CODES[0]!))}`);
    expect(events.map((e) => e.bizStep)).toEqual(['commissioning', 'shipping', 'receiving', 'shipping', 'receiving', 'dispensing']);
    for (const e of events) expect(e.epcList).toContain(tc(CODES[0]!));
    const commissioning = events[0]!;
    expect(commissioning).toMatchObject({
      action: 'ADD',
      disposition: 'active',
      ilmd: { 'cbvmda:lotNumber': LOT, 'cbvmda:itemExpirationDate': '2028-08-31' },
      bizLocation: { id: site(ORGS.maker) },
    });
    expect(commissioning.epcList).toHaveLength(4);
    // Temperatures on receipts are sensor reports in degrees Celsius.
    expect(events[2]).toMatchObject({
      disposition: 'sellable_not_accessible',
      sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 4.8, uom: 'CEL' }, { value: 5.1 }] }],
    });
  });

  it('shows a dose only as a pseudonymous dispensing event', async () => {
    const res = await api.http.get(`/epcis/events/${encodeURIComponent(`urn:uuid:${doseEventId}`)}`).set(AS.regulator);
    expect(res.status).toBe(200);
    expect(epcisSchemaErrors(res.body)).toEqual([]);
    const [event] = res.body.epcisBody.queryResults.resultsBody.eventList as EpcisEvent[];
    expect(event).toMatchObject({
      bizStep: 'dispensing',
      disposition: 'dispensed',
      epcList: [tc(CODES[0]!)],
      bizLocation: { id: site(ORGS.clinic) },
    });
    const text = JSON.stringify(res.body);
    for (const secret of [personId, PERSON.idNumber, PERSON.name, PERSON.birthDate, 'V-1']) expect(text).not.toContain(secret);
  });

  it('never answers persons, audit events or other non-supply facts', async () => {
    await api.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
    await api.settle();
    const { events } = await query('/epcis/events?perPage=1000');
    expect(new Set(events.map((e) => e.bizStep))).toEqual(
      new Set(['commissioning', 'inspecting', 'shipping', 'receiving', 'dispensing', 'destroying']),
    );
    expect(JSON.stringify(events)).not.toContain(personId);
  });

  it('filters by bizStep, disposition, class, location, time and event id', async () => {
    expect((await query('/epcis/events?EQ_bizStep=shipping')).events).toHaveLength(2);
    expect((await query('/epcis/events?EQ_bizStep=urn:epcglobal:cbv:bizstep:receiving')).events).toHaveLength(2);
    expect((await query('/epcis/events?EQ_disposition=in_transit|destroyed')).events.map((e) => e.bizStep)).toEqual([
      'shipping',
      'shipping',
      'destroying',
    ]);
    const inspecting = (await query(`/epcis/events?MATCH_epcClass=${encodeURIComponent(LOT_CLASS)}&EQ_bizStep=inspecting`)).events;
    expect(inspecting).toHaveLength(1);
    expect(inspecting[0]).toMatchObject({ disposition: 'conformant', quantityList: [{ epcClass: LOT_CLASS }] });
    const atClinic = (await query(`/epcis/events?EQ_bizLocation=${encodeURIComponent(site(ORGS.clinic))}`)).events;
    expect(atClinic.map((e) => e.bizStep)).toEqual(['receiving', 'dispensing']);
    const recent = (await query(`/epcis/events?GE_eventTime=${encodeURIComponent(daysAgo(20))}`)).events;
    expect(recent.map((e) => e.bizStep)).toEqual(['dispensing', 'destroying']);
    // Production (2026-09-01) and release (2026-09-05) are dated facts: China's midnight of that day.
    const old = (await query(`/epcis/events?LT_eventTime=${encodeURIComponent('2026-09-05T00:00:01+08:00')}`)).events;
    expect(old.map((e) => e.bizStep)).toEqual(['commissioning', 'inspecting']);
    const one = (await query(`/epcis/events?EQ_eventID=${encodeURIComponent(`urn:uuid:${doseEventId}`)}`)).events;
    expect(one.map((e) => e.eventID)).toEqual([`urn:uuid:${doseEventId}`]);
    expect((await query(`/epcis/events?MATCH_anyEPC=${encodeURIComponent(tc(CODES[3]!))}&EQ_bizStep=destroying`)).events).toHaveLength(1);
  });

  it('pages with perPage, nextPageToken and Link rel=next until every event is seen once', async () => {
    const all = (await query('/epcis/events?perPage=1000')).events.map((e) => e.eventID);
    const seen: string[] = [];
    let path: string | undefined = '/epcis/events?perPage=3';
    let pages = 0;
    while (path) {
      const page: { events: EpcisEvent[]; link?: string } = await query(path);
      seen.push(...page.events.map((e) => e.eventID));
      pages++;
      path = page.link ? /^<([^>]+)>; rel="next"$/.exec(page.link)?.[1] : undefined;
    }
    expect(pages).toBe(Math.ceil(all.length / 3));
    expect(seen).toEqual(all);
  });

  it('answers each caller only within its reach', async () => {
    const clinic = (await query('/epcis/events?perPage=1000', AS.clinic)).events.map((e) => e.bizStep);
    expect(clinic).toEqual(['shipping', 'receiving', 'dispensing']);
    expect((await query('/epcis/events', AS.otherMaker)).events).toEqual([]);
    expect((await query('/epcis/events?EQ_bizStep=dispensing', AS.maker)).events).toHaveLength(1);
    const hidden = await api.http.get(`/epcis/events/${encodeURIComponent(`urn:uuid:${doseEventId}`)}`).set(AS.otherMaker);
    expect(hidden.status).toBe(404);
  });

  it('refuses what it cannot answer with a stable code, never a 500', async () => {
    const bad = [
      '/epcis/events?EQ_bizStep=',
      '/epcis/events?MATCH_epc=86963210000000000101',
      '/epcis/events?MATCH_epc=urn:epc:idpat:sgtin:0614141.107346.*',
      '/epcis/events?MATCH_epc=https://id.gs1.org/01/06901234567893/21/X1',
      '/epcis/events?GE_eventTime=yesterday',
      '/epcis/events?perPage=0',
      '/epcis/events?nextPageToken=abc',
      '/epcis/events?EQ_readPoint=x',
      '/epcis/events/not-an-id',
    ];
    for (const path of bad) {
      const res = await api.http.get(path).set(AS.regulator);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
    // The hub routes facts; it does not query them.
    expect((await api.http.get('/epcis/events').set({ 'X-Dev-Actor': `hub:${ORGS.regulator}:000000` })).status).toBe(403);
  });
});
