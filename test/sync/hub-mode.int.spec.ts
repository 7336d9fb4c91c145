import { randomUUID } from 'node:crypto';
import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { until } from '../support/until';

// Two provinces (Sichuan 510000 in hub mode, Guangdong 440000 in direct mode, i.e. hosted on
// the national node) that sync only through the national hub (000000): each publishes its own
// topic, the hub imports both, keeps the person index and forwards to each province what
// concerns it. Three nodes, three logs, one real broker.

const A = '510000';
const B = '440000';
const HUB = '000000';
const CLINIC_A = '12510100MB0C00017E';
const CDC_B = '12440000MB0D00028M';
const PRODUCT = '8696321';
const BATCH = `${PRODUCT}-H2026A`;
const RESIDENT_OF_B = { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' };
const RESIDENT_OF_A = { idType: 'RESIDENT_ID', idNumber: '310115198507062825', name: '赵七', birthDate: '1985-07-06', sex: 'F' };
const AS_A = {
  regulator: actor('regulator', ORGS.regulator, HUB),
  maker: actor('manufacturer', ORGS.maker, '320000'),
  cdc: actor('cdc', ORGS.cdc, A),
  clinic: actor('clinic', CLINIC_A, A),
};
const AS_B = {
  regulator: actor('regulator', ORGS.regulator, HUB),
  cdc: actor('cdc', CDC_B, B),
  clinic: actor('clinic', ORGS.clinic, B),
};
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const log = { deviceId: 'TL-9', readings: [{ at: daysAgo(46), celsius: 5 }] };

describe('two provinces syncing through the national hub over Kafka', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let hub: ApiHarness;

  beforeAll(async () => {
    const kafka = process.env.TEST_KAFKA_BROKERS;
    if (!kafka) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    const prefix = `vxhub-${randomUUID().slice(0, 8)}`;
    const common = { KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix, SYNC_MODE: 'hub' };
    hub = await startApi({ ...common, PROVINCE_CODE: HUB, SYNC_PEERS: `${A},${B}` }, { syncGroupId: `${prefix}-hub` });
    a = await startApi({ ...common, PROVINCE_CODE: A }, { syncGroupId: `${prefix}-a` });
    // B is a province hosted on the national node (direct mode): same wiring as a hub-mode province.
    b = await startApi({ ...common, PROVINCE_CODE: B, SYNC_MODE: 'direct' }, { syncGroupId: `${prefix}-b` });
  }, 180_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await hub?.close();
  }, 60_000);

  const post = async (
    node: ApiHarness,
    path: string,
    as: Record<string, string>,
    body: object,
    status = 201,
  ): Promise<Record<string, unknown>> => {
    const res = await node.http.post(path).set(as).send(body);
    if (res.status !== status) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const lookup = async (node: ApiHarness, as: Record<string, string>, person: typeof RESIDENT_OF_A): Promise<string> =>
    String((await post(node, '/v1/persons/lookup', as, { idType: person.idType, idNumber: person.idNumber }, 200)).personId);
  const dosesIn = async (node: ApiHarness, personId: string): Promise<[number, string][]> =>
    (await node.runtime.readModels.doses(personId)).map((d) => [d.doseNumber, d.originProvince]);

  it('keeps one custody chain for a batch made in A and received in B, in B and at the hub', async () => {
    await post(a, '/v1/organisations', AS_A.regulator, {
      orgCode: ORGS.maker,
      name: 'Maker',
      kind: 'manufacturer',
      provinceCode: '320000',
    });
    await post(a, '/v1/organisations', AS_A.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: A });
    await post(a, '/v1/organisations', AS_A.regulator, { orgCode: CLINIC_A, name: 'Chengdu clinic', kind: 'clinic', provinceCode: A });
    await post(b, '/v1/organisations', AS_B.regulator, { orgCode: CDC_B, name: 'Guangdong CDC', kind: 'cdc', provinceCode: B });
    await post(b, '/v1/organisations', AS_B.regulator, { orgCode: ORGS.clinic, name: 'Shenzhen clinic', kind: 'clinic', provinceCode: B });
    await post(a, '/v1/products', AS_A.maker, {
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
    await post(a, '/v1/batches', AS_A.maker, {
      productCode: PRODUCT,
      lotNumber: 'H2026A',
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: 100,
    });
    await post(a, `/v1/batches/${BATCH}/release`, AS_A.regulator, { certificateNo: 'C-9', decidedOn: '2026-09-05' });
    await until('B’s CDC known in A (through the hub)', async () => (await a.runtime.readModels.organisation(CDC_B)) !== null);
    const toB = await post(a, '/v1/shipments', AS_A.maker, {
      toSite: CDC_B,
      dispatchedAt: daysAgo(50),
      deliveryNoteNo: 'DN-X',
      lines: [{ batchId: BATCH, quantity: 40 }],
    });
    const toA = await post(a, '/v1/shipments', AS_A.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(50),
      deliveryNoteNo: 'DN-Y',
      lines: [{ batchId: BATCH, quantity: 40 }],
    });
    const receipt = { receivedAt: daysAgo(46), verification: { result: 'accepted', releaseCertificateChecked: true }, temperatureLog: log };
    await until('the dispatch in B', async () => (await b.runtime.readModels.shipment(String(toB.id))) !== null);
    await post(b, `/v1/shipments/${String(toB.id)}/receipt`, AS_B.cdc, {
      ...receipt,
      lines: [{ batchId: BATCH, accepted: 40, rejected: 0 }],
    });
    await post(a, `/v1/shipments/${String(toA.id)}/receipt`, AS_A.cdc, {
      ...receipt,
      lines: [{ batchId: BATCH, accepted: 40, rejected: 0 }],
    });
    for (const [node, as, site, note] of [
      [a, AS_A, CLINIC_A, 'DN-A'],
      [b, AS_B, ORGS.clinic, 'DN-B'],
    ] as const) {
      const shipment = await post(node, '/v1/shipments', as.cdc, {
        toSite: site,
        dispatchedAt: daysAgo(45),
        deliveryNoteNo: note,
        lines: [{ batchId: BATCH, quantity: 10 }],
      });
      await post(node, `/v1/shipments/${String(shipment.id)}/receipt`, as.clinic, {
        ...receipt,
        receivedAt: daysAgo(44),
        lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
      });
    }
    const chain = async (node: ApiHarness): Promise<string[]> => {
      await node.settle();
      const res = await node.http.get(`/v1/batches/${BATCH}/trace`).set(AS_A.regulator);
      return res.status === 200
        ? (res.body.custody as { type: string; toSite?: string }[]).map((c) => `${c.type}:${c.toSite ?? ''}`).sort()
        : [];
    };
    const expected = [
      `produced:${ORGS.maker}`,
      'released:',
      `dispatched:${CDC_B}`,
      `dispatched:${ORGS.cdc}`,
      `received:${CDC_B}`,
      `received:${ORGS.cdc}`,
      `dispatched:${CLINIC_A}`,
      `received:${CLINIC_A}`,
      `dispatched:${ORGS.clinic}`,
      `received:${ORGS.clinic}`,
    ].sort();
    await until('the whole chain in A, B and at the hub', async () =>
      (await Promise.all([chain(a), chain(b), chain(hub)])).every((c) => c.length === expected.length),
    );
    for (const node of [a, b, hub]) expect(await chain(node)).toEqual(expected);
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
    const recall = await post(a, '/v1/recalls', AS_A.maker, {
      batchIds: [BATCH],
      kind: 'recall',
      level: 1,
      initiation: 'voluntary',
      reasonCode: 'quality_defect',
      reasonText: 'potency',
      effectiveAt: daysAgo(0),
      actions: ['stop_use'],
      personFollowUp: 'notify',
    });
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
