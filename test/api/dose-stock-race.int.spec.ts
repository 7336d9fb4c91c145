import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { testDatabaseKind } from '../support/database';

// The last units of a batch at one site, wanted by more doses than there are units, arriving
// at the same moment at two API replicas of one node: exactly as many doses as units are
// recorded, the rest refused with INSUFFICIENT_STOCK (ADR 0004: per-site advisory lock). On the
// embedded PGlite a node is one process by design, so there both halves go to one replica.

const PRODUCT = '8696321';
const LOT = 'RACE2026A';
const BATCH = `${PRODUCT}-${LOT}`;
const UNITS = 10;
const WANTED = 16;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const temperatureLog = { deviceId: 'TL-4', readings: [{ at: daysAgo(46), celsius: 5 }] };
// Valid resident IDs (ISO 7064 MOD 11-2 check character computed).
const residentId = (n: number): string => {
  const body = `51010419900307${String(100 + n).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
};

describe('the last units at one site, wanted at two API replicas at once', () => {
  let api: ApiHarness;
  let replica: ApiHarness;
  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    api = await startApi();
    replica = await startApi({}, { replicaOf: api });
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
      lines: [{ batchId: BATCH, quantity: UNITS }],
    });
    await post(`/v1/shipments/${String(toCdc.id)}/receipt`, AS.cdc, {
      ...receipt,
      receivedAt: daysAgo(46),
      lines: [{ batchId: BATCH, accepted: UNITS, rejected: 0 }],
    });
    const toClinic = await post('/v1/shipments', AS.cdc, {
      toSite: ORGS.clinic,
      dispatchedAt: daysAgo(45),
      deliveryNoteNo: 'DN-4',
      lines: [{ batchId: BATCH, quantity: UNITS }],
    });
    await post(`/v1/shipments/${String(toClinic.id)}/receipt`, AS.clinic, {
      ...receipt,
      receivedAt: daysAgo(44),
      lines: [{ batchId: BATCH, accepted: UNITS, rejected: 0 }],
    });
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await replica?.close();
    await api?.close();
  });

  it('records exactly as many doses as there are units, and refuses the rest', async () => {
    const replicas = testDatabaseKind() === 'postgres' ? [api, replica] : [api, api];
    const logBefore = await api.logSize();
    const answers = await Promise.all(
      Array.from({ length: WANTED }, (_, n) =>
        replicas[n % 2]!.http.post('/v1/doses')
          .set(AS.clinic)
          .send({
            person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, birthDate: '1990-03-07', sex: 'M' },
            batchId: BATCH,
            doseNumber: 1,
            administeredAt: daysAgo(1),
            route: 'IM',
            vaccinatorRef: 'V',
          }),
      ),
    );
    const statuses = answers.map((a) => (a.status === 201 ? 'recorded' : String(a.body.code)));
    expect(statuses.filter((s) => s === 'recorded')).toHaveLength(UNITS);
    expect(statuses.filter((s) => s !== 'recorded')).toEqual(Array(WANTED - UNITS).fill('INSUFFICIENT_STOCK'));
    await api.settle();
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    const line = (inventory.body.batches as { batchId: string; available: number }[]).find((b) => b.batchId === BATCH);
    expect(line?.available).toBe(0);
    // Each recorded dose is a registration and a dose in its person's stream; nothing else.
    expect(await api.logSize()).toBe(logBefore + 2 * UNITS);
  }, 120_000);
});
