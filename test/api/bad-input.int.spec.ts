import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// Every refused command answers problem+json with the status and code of API.md, and the
// node's global log does not grow.

const PRODUCT = '8696321';
const BATCH = `${PRODUCT}-202611B001`;
const CODES = ['86963210000000000048', '86963210000000000055'];
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const temperatureLog = { deviceId: 'TL-1', readings: [{ at: minutesAgo(60), celsius: 5 }] };
const PERSON = { idType: 'RESIDENT_ID', idNumber: '11010519491231002X', name: '王五', birthDate: '1949-12-31', sex: 'F' };
const dose = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  person: PERSON,
  batchId: BATCH,
  traceCode: CODES[0],
  doseNumber: 1,
  administeredAt: minutesAgo(5),
  route: 'IM',
  vaccinatorRef: 'V-1',
  ...over,
});

describe('bad input appends nothing', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
    const ok = async (path: string, as: Record<string, string>, body: object): Promise<string> => {
      const res = await api.http.post(path).set(as).send(body);
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    await ok('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
    await ok('/v1/organisations', AS.regulator, { orgCode: ORGS.cdc, name: 'CDC', kind: 'cdc', provinceCode: '510000' });
    await ok('/v1/organisations', AS.regulator, { orgCode: ORGS.clinic, name: 'Clinic', kind: 'clinic', provinceCode: '440000' });
    await ok('/v1/products', AS.maker, {
      productCode: PRODUCT,
      name: 'HepB',
      vaccineType: 'HepB',
      approvalNo: 'S1',
      mahOrgCode: ORGS.maker,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: 'NIP',
      serialised: true,
    });
    await ok('/v1/batches', AS.maker, {
      productCode: PRODUCT,
      lotNumber: '202611B001',
      producedOn: '2026-11-01',
      expiresOn: '2028-10-31',
      quantity: 2,
      traceCodes: CODES,
    });
    await ok(`/v1/batches/${BATCH}/release`, AS.regulator, { certificateNo: 'C-1', decidedOn: '2026-11-05' });
    const s1 = await ok('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: minutesAgo(300),
      deliveryNoteNo: 'D1',
      lines: [{ batchId: BATCH, quantity: 2, traceCodes: CODES }],
    });
    await ok(`/v1/shipments/${s1}/receipt`, AS.cdc, {
      receivedAt: minutesAgo(290),
      lines: [{ batchId: BATCH, accepted: 2, rejected: 0, traceCodes: CODES }],
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog,
    });
    const s2 = await ok('/v1/shipments', AS.cdc, {
      toSite: ORGS.clinic,
      dispatchedAt: minutesAgo(280),
      deliveryNoteNo: 'D2',
      lines: [{ batchId: BATCH, quantity: 2, traceCodes: CODES }],
    });
    await ok(`/v1/shipments/${s2}/receipt`, AS.clinic, {
      receivedAt: minutesAgo(270),
      lines: [{ batchId: BATCH, accepted: 2, rejected: 0, traceCodes: CODES }],
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog,
    });
    await ok('/v1/doses', AS.clinic, dose());
  }, 90_000);
  afterAll(async () => {
    await api?.close();
  });

  /** A clinic's POST /v1/doses with this body, for `refused`. */
  const postDose = (body: object) => () => api.http.post('/v1/doses').set(AS.clinic).send(body);

  const refused = async (
    status: number,
    code: string,
    send: () => Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>,
  ): Promise<Record<string, unknown>> => {
    const before = await api.logSize();
    const res = await send();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
    expect(await api.logSize()).toBe(before);
    return res.body;
  };

  it('malformed JSON', () =>
    refused(400, 'MALFORMED_JSON', () =>
      api.http.post('/v1/doses').set(AS.clinic).set('Content-Type', 'application/json').send('{"person": {'),
    ));

  it('an unknown field', async () => {
    const body = await refused(400, 'VALIDATION_FAILED', postDose({ ...dose(), lotOverride: 'x' }));
    expect(body.errors).toEqual(expect.arrayContaining([{ field: 'lotOverride', reason: 'unknown field lotOverride' }]));
  });

  it('an empty list, in plain words', async () => {
    const body = await refused(400, 'VALIDATION_FAILED', () =>
      api.http
        .post('/v1/shipments')
        .set(AS.cdc)
        .send({ toSite: ORGS.clinic, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'D-EMPTY', lines: [] }),
    );
    expect(body.errors).toEqual([{ field: 'lines', reason: 'lines must list at least 1 item' }]);
  });

  it('a wrong type', () => refused(400, 'VALIDATION_FAILED', postDose(dose({ doseNumber: 'one' }))));

  it('a missing required field', async () => {
    const { vaccinatorRef: _omit, ...rest } = dose();
    const body = await refused(400, 'VALIDATION_FAILED', postDose(rest));
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'vaccinatorRef' })]));
  });

  it('a resident ID with a wrong check character', () =>
    refused(400, 'INVALID_PERSON_ID', postDose(dose({ person: { ...PERSON, idNumber: '510104202301151230' } }))));

  it('a birth date or sex the resident ID contradicts, naming the field and quoting no date', async () => {
    const body = await refused(422, 'PERSON_DETAILS_MISMATCH', postDose(dose({ person: { ...PERSON, birthDate: '1950-01-01' } })));
    expect(body.errors).toEqual([expect.objectContaining({ field: 'person.birthDate', reason: 'PERSON_DETAILS_MISMATCH' })]);
    expect(JSON.stringify(body)).not.toMatch(/1949|1950|12-31|01-01/);
    const sex = await refused(422, 'PERSON_DETAILS_MISMATCH', postDose(dose({ person: { ...PERSON, sex: 'M' } })));
    expect(sex.errors).toEqual([expect.objectContaining({ field: 'person.sex' })]);
    // Sex unknown (U) contradicts nothing: the dose goes on to the next rule.
    const unknownSex = await api.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send(dose({ person: { ...PERSON, sex: 'U' }, batchId: `${PRODUCT}-NOSUCH` }));
    expect(unknownSex.body.code).toBe('UNKNOWN_BATCH');
  });

  it('a lookup names the body field it refuses and says why in words', async () => {
    const res = await api.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'PASSPORT', idNumber: 'E12345678' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_PERSON_ID');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'issuingState' })]);
    expect(res.body.detail).toContain('issuing state');
  });

  it('a trace code that is not 20 digits', () => refused(400, 'INVALID_TRACE_CODE', postDose(dose({ traceCode: '8696321000000000004' }))));

  it('a product code with a bad GTIN check digit', () =>
    refused(400, 'INVALID_GTIN', () =>
      api.http
        .post('/v1/products')
        .set(AS.maker)
        .send({
          productCode: '06901234567893',
          name: 'x',
          vaccineType: 'HepB',
          approvalNo: 'S',
          mahOrgCode: ORGS.maker,
          dosesPerUnit: 1,
          storageC: { min: 2, max: 8 },
          shelfLifeMonths: 24,
          programme: 'NIP',
          serialised: false,
        }),
    ));

  it('an organisation code with a bad check character', () =>
    refused(400, 'INVALID_ORG_CODE', () =>
      api.http
        .post('/v1/organisations')
        .set(AS.regulator)
        .send({ orgCode: '91350100M000100Y44', name: 'x', kind: 'cdc', provinceCode: '350000' }),
    ));

  it('expiry before production', () =>
    refused(400, 'EXPIRY_BEFORE_PRODUCTION', () =>
      api.http
        .post('/v1/batches')
        .set(AS.maker)
        .send({
          productCode: PRODUCT,
          lotNumber: 'X1',
          producedOn: '2026-11-01',
          expiresOn: '2026-10-01',
          quantity: 1,
          traceCodes: ['86963210000000000062'],
        }),
    ));

  it('a zero or negative quantity', async () => {
    await refused(400, 'VALIDATION_FAILED', () =>
      api.http
        .post('/v1/shipments')
        .set(AS.cdc)
        .send({ toSite: ORGS.clinic, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'D', lines: [{ batchId: BATCH, quantity: 0 }] }),
    );
    await refused(400, 'VALIDATION_FAILED', () =>
      api.http
        .post('/v1/shipments')
        .set(AS.cdc)
        .send({ toSite: ORGS.clinic, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'D', lines: [{ batchId: BATCH, quantity: -3 }] }),
    );
  });

  it('a time in the future beyond the clock-skew allowance', () =>
    refused(422, 'TIME_IN_FUTURE', postDose(dose({ administeredAt: new Date(Date.now() + 3600_000).toISOString(), doseNumber: 2 }))));

  it('a dose before the person was born (the birth date stays out of the answer)', async () => {
    const body = await refused(
      422,
      'DOSE_BEFORE_BIRTH',
      postDose(
        dose({
          administeredAt: '2026-11-10T09:00:00+08:00',
          person: { ...PERSON, idNumber: '110105202611150023', birthDate: '2026-11-15' },
        }),
      ),
    );
    expect(JSON.stringify(body)).not.toContain('2026-11-15');
  });

  it('a dose dated before its batch was released (released 2026-11-05)', () =>
    refused(422, 'BATCH_NOT_RELEASED', postDose(dose({ administeredAt: '2026-11-04T16:00:00+08:00' }))));

  it('an unknown batch', () => refused(404, 'UNKNOWN_BATCH', postDose(dose({ batchId: `${PRODUCT}-NOPE`, doseNumber: 2 }))));

  it('an unknown shipment receiver', () =>
    refused(422, 'UNKNOWN_ORGANISATION', () =>
      api.http
        .post('/v1/shipments')
        .set(AS.cdc)
        .send({ toSite: ORGS.otherMaker, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'D', lines: [{ batchId: BATCH, quantity: 1 }] }),
    ));

  it('a trace code already used', () =>
    refused(
      422,
      'TRACE_CODE_USED',
      postDose(dose({ person: { ...PERSON, idNumber: '310115198507062825', birthDate: '1985-07-06', sex: 'F' } })),
    ));

  it('more than the stock on hand', () =>
    refused(422, 'INSUFFICIENT_STOCK', () =>
      api.http
        .post('/v1/shipments')
        .set(AS.cdc)
        .send({ toSite: ORGS.clinic, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'D', lines: [{ batchId: BATCH, quantity: 5 }] }),
    ));

  it('a delivery-note number the site already issued', async () => {
    const body = await refused(409, 'DELIVERY_NOTE_REUSED', () =>
      api.http
        .post('/v1/shipments')
        .set(AS.cdc)
        .send({ toSite: ORGS.clinic, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'D2', lines: [{ batchId: BATCH, quantity: 1 }] }),
    );
    expect(body.detail).toMatch(/D2 was already issued with shipment \S+/);
  });

  it('the same Idempotency-Key with a different body, and the same body replayed', async () => {
    const body = { orgCode: '91350100M000100Y43', name: 'Fujian maker', kind: 'manufacturer', provinceCode: '350000' };
    const first = await api.http.post('/v1/organisations').set(AS.regulator).set('Idempotency-Key', 'org-fj-1').send(body);
    expect(first.status).toBe(201);
    const size = await api.logSize();
    const again = await api.http.post('/v1/organisations').set(AS.regulator).set('Idempotency-Key', 'org-fj-1').send(body);
    expect(again.status).toBe(200);
    expect(again.body.eventIds).toEqual(first.body.eventIds);
    expect(await api.logSize()).toBe(size);
    await refused(409, 'IDEMPOTENCY_KEY_REUSED', () =>
      api.http
        .post('/v1/organisations')
        .set(AS.regulator)
        .set('Idempotency-Key', 'org-fj-1')
        .send({ ...body, name: 'Other' }),
    );
  });

  it('an oversize body', () => refused(413, 'BODY_TOO_LARGE', postDose({ ...dose(), padding: 'x'.repeat(1_100_000) })));

  it('no caller, and a caller whose role may not', async () => {
    await refused(401, 'UNAUTHENTICATED', () => api.http.post('/v1/doses').send(dose()));
    await refused(401, 'UNAUTHENTICATED', () => api.http.post('/v1/doses').set('X-Dev-Actor', 'clinic:nonsense').send(dose()));
    await refused(403, 'FORBIDDEN', () => api.http.post('/v1/doses').set(AS.maker).send(dose()));
  });

  it('a stale If-Match revision', () =>
    refused(412, 'REVISION_MISMATCH', () =>
      api.http
        .post(`/v1/batches/${BATCH}/release`)
        .set(AS.regulator)
        .set('If-Match', '7')
        .send({ certificateNo: 'C-2', decidedOn: '2026-11-06' }),
    ));
});
