import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// Where a dose's personal details go, and when: to the vault before the dose goes to the log.
// A failure between the two leaves details without a dose (the clinic retries and the dose
// lands with them), never a dose whose details were lost; a refused dose stores nothing.

const PRODUCT = '8696321';
const LOT = 'DET2026A';
const BATCH = `${PRODUCT}-${LOT}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const temperatureLog = { deviceId: 'TL-3', readings: [{ at: daysAgo(46), celsius: 5 }] };

describe('a dose’s personal details and the log', () => {
  let api: ApiHarness;
  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const lookup = async (idNumber: string): Promise<string> =>
    String((await api.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber })).body.personId);

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
    await post('/v1/batches', AS.maker, {
      productCode: PRODUCT,
      lotNumber: LOT,
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: 10,
    });
    await post(`/v1/batches/${BATCH}/release`, AS.regulator, { certificateNo: 'C-3', decidedOn: '2026-09-05' });
    const receipt = { verification: { result: 'accepted', releaseCertificateChecked: true }, temperatureLog };
    const toCdc = await post('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(50),
      deliveryNoteNo: 'DN-3',
      lines: [{ batchId: BATCH, quantity: 10 }],
    });
    await post(`/v1/shipments/${String(toCdc.id)}/receipt`, AS.cdc, {
      ...receipt,
      receivedAt: daysAgo(46),
      lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
    });
    const toClinic = await post('/v1/shipments', AS.cdc, {
      toSite: ORGS.clinic,
      dispatchedAt: daysAgo(45),
      deliveryNoteNo: 'DN-4',
      lines: [{ batchId: BATCH, quantity: 10 }],
    });
    await post(`/v1/shipments/${String(toClinic.id)}/receipt`, AS.clinic, {
      ...receipt,
      receivedAt: daysAgo(44),
      lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
    });
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('stores nothing for a refused dose', async () => {
    const person = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
    const res = await api.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({ person, batchId: `${PRODUCT}-NOSUCHLOT`, doseNumber: 1, administeredAt: daysAgo(1), route: 'IM', vaccinatorRef: 'V' });
    expect(res.status).toBe(404);
    expect(await api.runtime.vault.readDetails(await lookup(person.idNumber))).toBeNull();
  });

  it('has the details in the vault when the append fails, and the retried dose lands with them', async () => {
    const person = { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' };
    const store = api.runtime.store;
    const append = store.append.bind(store);
    let failed = 0;
    // The database goes away right after the decision: the first append throws.
    (store as { append: typeof store.append }).append = async (...args) => {
      if (failed === 0 && args[0].startsWith('person-')) {
        failed++;
        throw new Error('connection terminated unexpectedly');
      }
      return append(...args);
    };
    const body = { person, batchId: BATCH, doseNumber: 1, administeredAt: daysAgo(1), route: 'IM', vaccinatorRef: 'V' };
    const logBefore = await api.logSize();
    try {
      const first = await api.http.post('/v1/doses').set(AS.clinic).set('Idempotency-Key', 'dose-details-retry-1').send(body);
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect(failed).toBe(1);
      const personId = await lookup(person.idNumber);
      expect(await api.logSize()).toBe(logBefore + 1); // only the lookup's access event
      expect(await api.runtime.vault.readDetails(personId)).toMatchObject({ name: person.name, birthDate: person.birthDate });
      const retried = await api.http.post('/v1/doses').set(AS.clinic).set('Idempotency-Key', 'dose-details-retry-1').send(body);
      expect(retried.status).toBe(201);
      expect(retried.body.id).toBe(personId);
      await api.settle();
      const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
      expect(record.body.doses).toHaveLength(1);
      expect(record.body.details).toMatchObject({ name: person.name });
    } finally {
      (store as { append: typeof store.append }).append = append;
    }
  });
});
