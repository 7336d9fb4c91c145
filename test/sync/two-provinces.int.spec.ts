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
  type FederationNodes,
  postTo as post,
  recallOf,
  startPeers,
} from '../support/federation-scenario';
import { sample } from '../support/metrics-text';
import { until } from '../support/until';

// Two provincial nodes (Sichuan 510000, Guangdong 440000), each with its own log, read
// models and vault on the run's PostgreSQL, syncing as peers over the real Kafka broker.

const LOT = 'X2026A';
const PERSON = { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' };

describe('two provinces syncing as peers over Kafka', () => {
  let nodes: FederationNodes;
  let a: ApiHarness;
  let b: ApiHarness;
  let BATCH = '';
  let personId = '';

  beforeAll(async () => {
    nodes = await startPeers('vxtest');
    ({ a, b } = nodes);
  }, 120_000);
  afterAll(async () => {
    await nodes?.close();
  }, 60_000);

  it('keeps one custody chain for a batch made in A and received by a CDC in B', async () => {
    BATCH = (await federationSupplyChain({ a, b }, { lot: LOT })).batchId;
    await until(
      'the whole chain in both provinces',
      async () =>
        (await custodyAt(a, BATCH)).length === FEDERATION_CUSTODY.length &&
        (await custodyAt(b, BATCH)).length === FEDERATION_CUSTODY.length,
    );
    expect(await custodyAt(a, BATCH)).toEqual(FEDERATION_CUSTODY);
    expect(await custodyAt(b, BATCH)).toEqual(FEDERATION_CUSTODY);
  }, 120_000);

  it('shows a person dosed in A and then in B with exactly two doses on both sides', async () => {
    const first = await post(a, '/v1/doses', AS_A.clinic, {
      person: PERSON,
      batchId: BATCH,
      doseNumber: 1,
      administeredAt: daysAgo(35),
      route: 'IM',
      vaccinatorRef: 'V-A',
    });
    personId = String(first.id);
    // B derives the same pseudonym from the same document, and sees dose 1 before giving dose 2.
    await until('dose 1 in B', async () => (await b.runtime.readModels.doses(personId)).length === 1);
    const second = await post(b, '/v1/doses', AS_B.clinic, {
      person: PERSON,
      batchId: BATCH,
      doseNumber: 2,
      administeredAt: daysAgo(0),
      route: 'IM',
      vaccinatorRef: 'V-B',
    });
    expect(second.id).toBe(personId);
    const record = async (node: ApiHarness, as: Record<string, string>): Promise<[number, string][]> => {
      await node.settle();
      const res = await node.http.get(`/v1/persons/${personId}/record`).set(as);
      return (res.body.doses as { doseNumber: number; originProvince: string }[]).map((d) => [d.doseNumber, d.originProvince]);
    };
    await until('dose 2 in A', async () => (await a.runtime.readModels.doses(personId)).length === 2);
    expect(await record(a, AS_A.clinic)).toEqual([
      [1, A],
      [2, B],
    ]);
    expect(await record(b, AS_B.clinic)).toEqual([
      [1, A],
      [2, B],
    ]);
    const res = await b.http.get(`/v1/persons/${personId}/record`).set(AS_B.clinic);
    expect(res.body.conflicts).toEqual([]);
    expect(res.body.series).toEqual([expect.objectContaining({ vaccineType: 'HepB', dosesDone: 2, nextDoseNumber: 3 })]);
  }, 120_000);

  it('flags the same dose number given in both provinces as a conflict on both sides, dropping neither', async () => {
    const person = { ...PERSON, idNumber: '310115198507062825', name: '赵七', birthDate: '1985-07-06', sex: 'F' };
    const inA = await post(a, '/v1/doses', AS_A.clinic, {
      person,
      batchId: BATCH,
      doseNumber: 1,
      administeredAt: daysAgo(3),
      route: 'IM',
      vaccinatorRef: 'V-A',
    });
    const id = String(inA.id);
    await until('the first dose in B', async () => (await b.runtime.readModels.doses(id)).length === 1);
    // B's clinic knowingly records dose 1 again (an intentional repeat, with its reason).
    await post(b, '/v1/doses', AS_B.clinic, {
      person,
      batchId: BATCH,
      doseNumber: 1,
      administeredAt: daysAgo(1),
      route: 'IM',
      vaccinatorRef: 'V-B',
      override: { code: 'INTENTIONAL_REPEAT', reason: 'no record card; repeat per county CDC advice' },
    });
    await until('both doses in A', async () => (await a.runtime.readModels.doses(id)).length === 2);
    for (const [node, as] of [
      [a, AS_A.clinic],
      [b, AS_B.clinic],
    ] as const) {
      await node.settle();
      const res = await node.http.get(`/v1/persons/${id}/record`).set(as);
      expect(res.body.doses).toHaveLength(2);
      expect(res.body.conflicts).toEqual([
        expect.objectContaining({ code: 'DUPLICATE_DOSE_NUMBER', vaccineType: 'HepB', doseNumber: 1, crossProvince: true }),
      ]);
    }
  }, 120_000);

  it('makes B refuse doses from a batch recalled in A, and lists recipients from both provinces in A', async () => {
    const recall = await post(a, '/v1/recalls', AS_A.maker, recallOf(BATCH));
    await until('the recall in B', async () => (await b.runtime.readModels.recall(String(recall.id))) !== null);
    const refused = await b.http
      .post('/v1/doses')
      .set(AS_B.clinic)
      .send({
        person: { ...PERSON, idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07' },
        batchId: BATCH,
        doseNumber: 1,
        administeredAt: daysAgo(0),
        route: 'IM',
        vaccinatorRef: 'V-B',
      });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('BATCH_RECALLED');
    await a.settle();
    const impact = await a.http.get(`/v1/batches/${BATCH}/recipients`).set(AS_A.regulator);
    expect([...new Set((impact.body.persons as { originProvince: string }[]).map((p) => p.originProvince))].sort()).toEqual([B, A].sort());
    const health = await b.http.get('/health');
    expect(health.body.sync).toMatchObject({ imported: expect.any(Number), deadLettered: 0 });
    expect(health.body.sync.origins).toEqual([expect.objectContaining({ origin: A, lagSeconds: expect.any(Number) })]);
  }, 120_000);

  it('counts sync messages out at the origin and in at the receiver, and imported facts apart from local ones', async () => {
    const metricsOf = async (node: ApiHarness): Promise<string> => (await node.http.get('/metrics')).text;
    for (const fact of ['vaxledger_doses_recorded_total', 'vaxledger_receipts_recorded_total'])
      await until(`${fact}: what A recorded, imported by B`, async () => {
        const [inA, inB] = await Promise.all([metricsOf(a), metricsOf(b)]);
        return sample(inA, fact, { origin: 'local' }) === sample(inB, fact, { origin: 'imported' });
      });
    const [inA, inB] = await Promise.all([metricsOf(a), metricsOf(b)]);
    expect(sample(inA, 'vaxledger_receipts_recorded_total', { origin: 'local' })).toBe(2); // A's CDC and clinic
    expect(sample(inA, 'vaxledger_doses_recorded_total', { origin: 'local' })).toBeGreaterThanOrEqual(2);
    expect(sample(inA, 'vaxledger_sync_messages_total', { direction: 'out' })).toBe(a.runtime.sync!.relay.publishedCount);
    expect(sample(inA, 'vaxledger_sync_messages_total', { direction: 'out' })).toBeGreaterThan(0);
    // Redeliveries and history answers count as messages in, so at least every import.
    expect(sample(inB, 'vaxledger_sync_messages_total', { direction: 'in' })).toBeGreaterThanOrEqual(b.runtime.sync!.inbox.importedCount);
    expect(b.runtime.sync!.inbox.importedCount).toBeGreaterThan(0);
  }, 90_000);
});
