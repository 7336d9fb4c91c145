import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';
import { testDatabaseKind } from '../support/database';
import { detailsOf } from '../support/person-details';

// The last units of a batch at one site, wanted by more doses than there are units, arriving
// at the same moment at two API replicas of one node: exactly as many doses as units are
// recorded, the rest refused with INSUFFICIENT_STOCK (ADR 0004: per-site advisory lock). On the
// embedded PGlite a node is one process by design, so there both halves go to one replica.

const LOT = 'RACE2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const UNITS = 10;
const WANTED = 16;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
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

  beforeAll(async () => {
    api = await startApi();
    replica = await startApi({}, { replicaOf: api });
    await stockClinic(api, { lot: LOT, quantity: UNITS });
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
            person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, ...detailsOf(residentId(n)) },
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
