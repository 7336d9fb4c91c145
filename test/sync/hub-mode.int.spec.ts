import { type ApiHarness } from '../support/api-harness';
import {
  A,
  AS_A,
  AS_B,
  B,
  custodyAt,
  daysAgo,
  FEDERATION_CUSTODY,
  federationSupplyChain,
  FEDERATION_PRODUCT,
  postTo as post,
  recallOf,
  startWithHub,
} from '../support/federation-scenario';
import { until } from '../support/until';

// Two provinces (Sichuan 510000 in hub mode, Guangdong 440000 in direct mode, i.e. hosted on
// the national node) that sync only through the national hub (000000): each publishes its own
// topic, the hub imports both, keeps the person index and forwards to each province what
// concerns it. Three nodes, three logs, one real broker.

const LOT = 'H2026A';
const BATCH = `${FEDERATION_PRODUCT}-${LOT}`;
const RESIDENT_OF_B = { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' };
const RESIDENT_OF_A = { idType: 'RESIDENT_ID', idNumber: '310115198507062825', name: '赵七', birthDate: '1985-07-06', sex: 'F' };

describe('two provinces syncing through the national hub over Kafka', () => {
  let nodes: Awaited<ReturnType<typeof startWithHub>>;
  let a: ApiHarness;
  let b: ApiHarness;
  let hub: ApiHarness;

  beforeAll(async () => {
    nodes = await startWithHub('vxhub');
    ({ a, b, hub } = nodes);
  }, 180_000);
  afterAll(async () => {
    await nodes?.close();
  }, 60_000);

  const lookup = async (node: ApiHarness, as: Record<string, string>, person: typeof RESIDENT_OF_A): Promise<string> =>
    String((await post(node, '/v1/persons/lookup', as, { idType: person.idType, idNumber: person.idNumber }, 200)).personId);
  const dosesIn = async (node: ApiHarness, personId: string): Promise<[number, string][]> =>
    (await node.runtime.readModels.doses(personId)).map((d) => [d.doseNumber, d.originProvince]);

  it('keeps one custody chain for a batch made in A and received in B, in B and at the hub', async () => {
    await federationSupplyChain({ a, b }, { lot: LOT });
    await until('the whole chain in A, B and at the hub', async () =>
      (await Promise.all([custodyAt(a, BATCH), custodyAt(b, BATCH), custodyAt(hub, BATCH)])).every(
        (c) => c.length === FEDERATION_CUSTODY.length,
      ),
    );
    for (const node of [a, b, hub]) expect(await custodyAt(node, BATCH)).toEqual(FEDERATION_CUSTODY);
  }, 180_000);

  it('pulls the history of a person B has never seen on lookup, then sends B’s dose back to A', async () => {
    const first = await post(a, '/v1/doses', AS_A.clinic, {
      person: RESIDENT_OF_A,
      batchId: BATCH,
      doseNumber: 1,
      administeredAt: daysAgo(35),
      route: 'IM',
      vaccinatorRef: 'V-A',
    });
    const personId = String(first.id);
    await until('dose 1 at the hub', async () => (await dosesIn(hub, personId)).length === 1);
    // Until B asks, the hub keeps A's dose away from B (only provinces that serve a person get their doses).
    expect(await dosesIn(b, personId)).toEqual([]);
    const started = Date.now();
    expect(await lookup(b, AS_B.clinic, RESIDENT_OF_A)).toBe(personId);
    await until('dose 1 pulled into B', async () => (await dosesIn(b, personId)).length === 1, 15_000);
    const pulledInMs = Date.now() - started;
    expect(pulledInMs).toBeLessThan(15_000);
    await post(b, '/v1/doses', AS_B.clinic, {
      person: RESIDENT_OF_A,
      batchId: BATCH,
      doseNumber: 2,
      administeredAt: daysAgo(0),
      route: 'IM',
      vaccinatorRef: 'V-B',
    });
    await until('dose 2 back in A', async () => (await dosesIn(a, personId)).length === 2);
    await until('both doses at the hub', async () => (await dosesIn(hub, personId)).length === 2);
    for (const node of [a, b, hub])
      expect(await dosesIn(node, personId)).toEqual([
        [1, A],
        [2, B],
      ]);
    const record = await b.http.get(`/v1/persons/${personId}/record`).set(AS_B.clinic);
    expect(record.status).toBe(200);
    expect(record.body.completeness?.origins).toEqual([
      // A's stream of the person: the registration and dose 1, all of it here.
      expect.objectContaining({ origin: A, held: 2, announced: 2, completeUpTo: expect.any(String) }),
    ]);
  }, 120_000);

  it('gives a resident of B dosed first in A both doses everywhere, and the hub indexes both origins', async () => {
    const first = await post(a, '/v1/doses', AS_A.clinic, {
      person: RESIDENT_OF_B,
      batchId: BATCH,
      doseNumber: 1,
      administeredAt: daysAgo(30),
      route: 'IM',
      vaccinatorRef: 'V-A',
    });
    const personId = String(first.id);
    await lookup(b, AS_B.clinic, RESIDENT_OF_B);
    await until('dose 1 in B', async () => (await dosesIn(b, personId)).length === 1);
    await post(b, '/v1/doses', AS_B.clinic, {
      person: RESIDENT_OF_B,
      batchId: BATCH,
      doseNumber: 2,
      administeredAt: daysAgo(1),
      route: 'IM',
      vaccinatorRef: 'V-B',
    });
    await until('two doses in A, B and at the hub', async () =>
      (await Promise.all([dosesIn(a, personId), dosesIn(b, personId), dosesIn(hub, personId)])).every((d) => d.length === 2),
    );
    const index = await hub.runtime.sync!.store.interested(personId);
    expect(index).toEqual(
      [
        { province: B, holds: true },
        { province: A, holds: true },
      ].sort((x, y) => x.province.localeCompare(y.province)),
    );
  }, 120_000);

  it('makes B refuse a recalled batch and lists recipients of both provinces at the hub', async () => {
    const recall = await post(a, '/v1/recalls', AS_A.maker, recallOf(BATCH));
    await until('the recall in B', async () => (await b.runtime.readModels.recall(String(recall.id))) !== null);
    const refused = await b.http
      .post('/v1/doses')
      .set(AS_B.clinic)
      .send({
        person: { ...RESIDENT_OF_B, idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07' },
        batchId: BATCH,
        doseNumber: 1,
        administeredAt: daysAgo(0),
        route: 'IM',
        vaccinatorRef: 'V-B',
      });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('BATCH_RECALLED');
    await hub.settle();
    const impact = await hub.http.get(`/v1/batches/${BATCH}/recipients`).set(AS_A.regulator);
    expect(impact.status).toBe(200);
    expect([...new Set((impact.body.persons as { originProvince: string }[]).map((p) => p.originProvince))].sort()).toEqual([A, B].sort());
    for (const node of [a, b, hub]) expect((await node.runtime.sync!.store.deadLetters()).map((d) => d.reason)).toEqual([]);
    expect(await hub.runtime.sync!.store.parkedCount()).toBe(0);
  }, 120_000);
});
