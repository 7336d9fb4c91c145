import { randomUUID } from 'node:crypto';
import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { sample } from '../support/metrics-text';
import { until } from '../support/until';

// Two provincial nodes (Sichuan 510000, Guangdong 440000), each with its own log, read
// models and vault on the run's PostgreSQL, syncing as peers over the real Kafka broker.

const A = '510000';
const B = '440000';
const CLINIC_A = '12510100MB0C00017E';
const CDC_B = '12440000MB0D00028M';
const PRODUCT = '8696321';
const BATCH = `${PRODUCT}-X2026A`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' };
const AS_A = {
  regulator: actor('regulator', ORGS.regulator, '000000'),
  maker: actor('manufacturer', ORGS.maker, '320000'),
  cdc: actor('cdc', ORGS.cdc, A),
  clinic: actor('clinic', CLINIC_A, A),
};
const AS_B = {
  regulator: actor('regulator', ORGS.regulator, '000000'),
  cdc: actor('cdc', CDC_B, B),
  clinic: actor('clinic', ORGS.clinic, B),
};
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const log = { deviceId: 'TL-9', readings: [{ at: daysAgo(46), celsius: 5 }] };

describe('two provinces syncing as peers over Kafka', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let personId = '';

  beforeAll(async () => {
    const kafka = process.env.TEST_KAFKA_BROKERS;
    if (!kafka) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    const prefix = `vxtest-${randomUUID().slice(0, 8)}`;
    a = await startApi(
      { PROVINCE_CODE: A, SYNC_PEERS: B, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
      { syncGroupId: `${prefix}-a` },
    );
    b = await startApi(
      { PROVINCE_CODE: B, SYNC_PEERS: A, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
      { syncGroupId: `${prefix}-b` },
    );
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  }, 60_000);

  const post = async (node: ApiHarness, path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await node.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };

  it('keeps one custody chain for a batch made in A and received by a CDC in B', async () => {
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
      lotNumber: 'X2026A',
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: 100,
    });
    await post(a, `/v1/batches/${BATCH}/release`, AS_A.regulator, { certificateNo: 'C-9', decidedOn: '2026-09-05' });
    // A needs B's CDC (registered in B) before it can ship there.
    await until('B’s CDC known in A', async () => (await a.runtime.readModels.organisation(CDC_B)) !== null);
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
    const toClinicA = await post(a, '/v1/shipments', AS_A.cdc, {
      toSite: CLINIC_A,
      dispatchedAt: daysAgo(45),
      deliveryNoteNo: 'DN-A',
      lines: [{ batchId: BATCH, quantity: 10 }],
    });
    await post(a, `/v1/shipments/${String(toClinicA.id)}/receipt`, AS_A.clinic, {
      ...receipt,
      receivedAt: daysAgo(44),
      lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
    });
    const toClinicB = await post(b, '/v1/shipments', AS_B.cdc, {
      toSite: ORGS.clinic,
      dispatchedAt: daysAgo(45),
      deliveryNoteNo: 'DN-B',
      lines: [{ batchId: BATCH, quantity: 10 }],
    });
    await post(b, `/v1/shipments/${String(toClinicB.id)}/receipt`, AS_B.clinic, {
      ...receipt,
      receivedAt: daysAgo(44),
      lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
    });

    const chain = async (node: ApiHarness): Promise<string[]> => {
      await node.settle();
      const res = await node.http.get(`/v1/batches/${BATCH}/trace`).set(AS_A.regulator);
      return res.status === 200 ? (res.body.custody as { type: string; toSite?: string }[]).map((c) => `${c.type}:${c.toSite ?? ''}`) : [];
    };
    const expected = [
      'produced:' + ORGS.maker,
      'released:',
      `dispatched:${CDC_B}`,
      `dispatched:${ORGS.cdc}`,
      `received:${CDC_B}`,
      `received:${ORGS.cdc}`,
      `dispatched:${CLINIC_A}`,
      `received:${CLINIC_A}`,
      `dispatched:${ORGS.clinic}`,
      `received:${ORGS.clinic}`,
    ];
    await until(
      'the whole chain in both provinces',
      async () => (await chain(a)).length === expected.length && (await chain(b)).length === expected.length,
    );
    expect([...(await chain(a))].sort()).toEqual([...expected].sort());
    expect([...(await chain(b))].sort()).toEqual([...expected].sort());
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
