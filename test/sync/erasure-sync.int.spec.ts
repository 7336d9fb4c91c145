import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { until } from '../support/until';

// An erasure travels: Sichuan (A) erases a person's details; Guangdong (B), which gave the
// same person a dose and holds its own copy of their details, receives PersonDetailsErased
// over the real Kafka broker and destroys its own key. Access events never leave A.

const A = '510000';
const B = '440000';
const CLINIC_A = '12510100MB0C00017E';
const CDC_B = '12440000MB0D00028M';
const PRODUCT = '8696321';
const LOT = 'ES2026A';
const BATCH = `${PRODUCT}-${LOT}`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '11010519491231002X', name: '王五', birthDate: '1949-12-31', sex: 'M' };
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
const temperatureLog = { deviceId: 'TL-9', readings: [{ at: daysAgo(46), celsius: 5 }] };
const ACCESS_TYPES = ['PersonLookedUp', 'PersonRecordRead', 'RecallImpactExported'];

describe('erasure across provinces over Kafka', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let prefix = '';
  let personId = '';

  const post = async (node: ApiHarness, path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await node.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const vaultRows = async (node: ApiHarness, table: string): Promise<unknown[]> => {
    const schema = (node.runtime.vault as unknown as { schema: string }).schema;
    return node.runtime.readModels.dataSource.query(`SELECT * FROM "${schema}".${table} WHERE person_id = $1`, [personId]);
  };
  const record = async (node: ApiHarness, as: Record<string, string>): Promise<Record<string, unknown>> => {
    await node.settle();
    const res = await node.http.get(`/v1/persons/${personId}/record`).set(as);
    if (res.status !== 200) throw new Error(`record: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const dose = (node: ApiHarness, as: Record<string, string>, doseNumber: number, administeredAt: string) =>
    post(node, '/v1/doses', as, { person: PERSON, batchId: BATCH, doseNumber, administeredAt, route: 'IM', vaccinatorRef: 'V-9' });

  beforeAll(async () => {
    const kafka = process.env.TEST_KAFKA_BROKERS;
    if (!kafka) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    prefix = `vxerase-${randomUUID().slice(0, 8)}`;
    a = await startApi(
      { PROVINCE_CODE: A, SYNC_PEERS: B, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
      { syncGroupId: `${prefix}-a` },
    );
    b = await startApi(
      { PROVINCE_CODE: B, SYNC_PEERS: A, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
      { syncGroupId: `${prefix}-b` },
    );

    await post(a, '/v1/organisations', AS_A.regulator, {
      orgCode: ORGS.maker,
      name: 'Maker',
      kind: 'manufacturer',
      provinceCode: '320000',
    });
    await post(a, '/v1/organisations', AS_A.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: A });
    await post(a, '/v1/organisations', AS_A.regulator, {
      orgCode: CLINIC_A,
      name: 'Chengdu clinic',
      kind: 'clinic',
      provinceCode: A,
      parentOrgCode: ORGS.cdc,
    });
    await post(b, '/v1/organisations', AS_B.regulator, { orgCode: CDC_B, name: 'Guangdong CDC', kind: 'cdc', provinceCode: B });
    await post(b, '/v1/organisations', AS_B.regulator, {
      orgCode: ORGS.clinic,
      name: 'Shenzhen clinic',
      kind: 'clinic',
      provinceCode: B,
      parentOrgCode: CDC_B,
    });
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
      lotNumber: LOT,
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: 100,
    });
    await post(a, `/v1/batches/${BATCH}/release`, AS_A.regulator, { certificateNo: 'C-9', decidedOn: '2026-09-05' });
    await until('B’s CDC known in A', async () => (await a.runtime.readModels.organisation(CDC_B)) !== null);
    const receipt = { verification: { result: 'accepted', releaseCertificateChecked: true }, temperatureLog };
    const toB = await post(a, '/v1/shipments', AS_A.maker, {
      toSite: CDC_B,
      dispatchedAt: daysAgo(50),
      deliveryNoteNo: 'DN-B',
      lines: [{ batchId: BATCH, quantity: 40 }],
    });
    const toA = await post(a, '/v1/shipments', AS_A.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(50),
      deliveryNoteNo: 'DN-A',
      lines: [{ batchId: BATCH, quantity: 40 }],
    });
    await post(a, `/v1/shipments/${String(toA.id)}/receipt`, AS_A.cdc, {
      ...receipt,
      receivedAt: daysAgo(46),
      lines: [{ batchId: BATCH, accepted: 40, rejected: 0 }],
    });
    await until('the dispatch in B', async () => (await b.runtime.readModels.shipment(String(toB.id))) !== null);
    await post(b, `/v1/shipments/${String(toB.id)}/receipt`, AS_B.cdc, {
      ...receipt,
      receivedAt: daysAgo(46),
      lines: [{ batchId: BATCH, accepted: 40, rejected: 0 }],
    });
    for (const [node, from, to, as, toAs] of [
      [a, AS_A.cdc, CLINIC_A, 'DN-CA', AS_A.clinic],
      [b, AS_B.cdc, ORGS.clinic, 'DN-CB', AS_B.clinic],
    ] as const) {
      const shipment = await post(node, '/v1/shipments', from, {
        toSite: to,
        dispatchedAt: daysAgo(45),
        deliveryNoteNo: as,
        lines: [{ batchId: BATCH, quantity: 10 }],
      });
      await post(node, `/v1/shipments/${String(shipment.id)}/receipt`, toAs, {
        ...receipt,
        receivedAt: daysAgo(44),
        lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
      });
    }
  }, 180_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
  }, 60_000);

  it('has the person’s details in both provinces after a dose in each', async () => {
    personId = String((await dose(a, AS_A.clinic, 1, daysAgo(35))).id);
    await until('dose 1 in B', async () => (await b.runtime.readModels.doses(personId)).length === 1);
    expect((await dose(b, AS_B.clinic, 2, daysAgo(1))).id).toBe(personId);
    await until('dose 2 in A', async () => (await a.runtime.readModels.doses(personId)).length === 2);
    for (const [node, as] of [
      [a, AS_A.clinic],
      [b, AS_B.clinic],
    ] as const) {
      expect(await record(node, as)).toMatchObject({ erased: false, details: { name: PERSON.name, birthDate: PERSON.birthDate } });
      expect(await vaultRows(node, 'person_keys')).toHaveLength(1);
    }
  }, 120_000);

  it('erases in A and makes B destroy its own key when the erasure arrives', async () => {
    const lookup = await a.http.post('/v1/persons/lookup').set(AS_A.cdc).send({ idType: PERSON.idType, idNumber: PERSON.idNumber });
    expect(lookup.status).toBe(200);
    const erased = await a.http.delete(`/v1/persons/${personId}/details`).set(AS_A.cdc).send({ legalBasis: 'court_order' });
    expect(erased.status).toBe(201);
    const eventId = (erased.body.eventIds as string[])[0]!;
    expect(await vaultRows(a, 'person_keys')).toHaveLength(0);

    await until('the erasure in B’s log', async () =>
      (await b.runtime.store.readStream(`person-${A}-${personId}`)).some((e) => e.eventId === eventId),
    );
    await until('B’s key destroyed', async () => (await vaultRows(b, 'person_keys')).length === 0);
    const imported = (await b.runtime.store.readStream(`person-${A}-${personId}`)).find((e) => e.eventId === eventId)!;
    expect(imported).toMatchObject({ type: 'PersonDetailsErased', data: { personId, legalBasis: 'court_order' } });
    expect(imported.metadata.originProvince).toBe(A);
    expect(await vaultRows(b, 'person_details')).toHaveLength(0);
    expect(await vaultRows(b, 'person_erasures')).toHaveLength(1);
    await expect(b.runtime.vault.readDetails(personId)).resolves.toBeNull();

    for (const [node, as] of [
      [a, AS_A.clinic],
      [b, AS_B.clinic],
    ] as const) {
      const body = await record(node, as);
      expect(body).toMatchObject({ erased: true });
      expect(body).not.toHaveProperty('details');
      expect((body.doses as { originProvince: string }[]).map((d) => d.originProvince)).toEqual([A, B]);
      expect(JSON.stringify(body)).not.toMatch(new RegExp(`${PERSON.name}|${PERSON.birthDate}|${PERSON.idNumber}`));
    }
    const health = await b.http.get('/health');
    expect(health.body.sync).toMatchObject({ deadLettered: 0 });
  }, 120_000);

  it('keeps B from storing the details again at its next dose', async () => {
    await b.http.post('/v1/persons/lookup').set(AS_B.clinic).send({ idType: PERSON.idType, idNumber: PERSON.idNumber }).expect(200);
    const third = await b.http
      .post('/v1/doses')
      .set(AS_B.clinic)
      .send({
        person: PERSON,
        batchId: BATCH,
        doseNumber: 3,
        administeredAt: daysAgo(0),
        route: 'IM',
        vaccinatorRef: 'V-9',
        override: { code: 'CATCH_UP', reason: 'outbreak response' },
      });
    expect(third.status).toBe(201);
    expect(await vaultRows(b, 'person_details')).toHaveLength(0);
    expect(await vaultRows(b, 'person_keys')).toHaveLength(0);
    const body = await record(b, AS_B.clinic);
    expect(body).toMatchObject({ erased: true });
    expect((body.doses as unknown[]).length).toBe(3);
  }, 60_000);

  it('never publishes A’s access events: its topic holds the erasure but no audit stream', async () => {
    const broker = process.env.TEST_KAFKA_BROKERS!;
    const kafka = new Kafka({ clientId: `${prefix}-inspect`, brokers: broker.split(','), logLevel: logLevel.NOTHING });
    const topic = `${prefix}.events.${A}`;
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    const seen: { key: string; type: string }[] = [];
    const consumer = kafka.consumer({ groupId: `${prefix}-inspect` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ key: message.key?.toString() ?? '', type: message.headers?.['event-type']?.toString() ?? '' });
        if (BigInt(message.offset) + 1n >= (pending.get(partition) ?? 0n)) pending.delete(partition);
      },
    });
    try {
      await until('A’s topic read to its end', async () => pending.size === 0, 60_000);
    } finally {
      await consumer.disconnect();
    }
    // A logged access events (the CDC's lookup above, the record reads), none of them went out.
    const accessInA = (await a.runtime.store.readAll({ after: 0n, limit: 100_000 })).filter((e) => ACCESS_TYPES.includes(e.type));
    expect(accessInA.length).toBeGreaterThan(0);
    expect(seen.map((m) => m.type)).toContain('PersonDetailsErased');
    expect(seen.filter((m) => m.key.startsWith('audit-') || ACCESS_TYPES.includes(m.type))).toEqual([]);
    const inB = (await b.runtime.store.readAll({ after: 0n, limit: 100_000 })).filter((e) => e.streamId.startsWith('audit-'));
    expect(inB.every((e) => e.metadata.originProvince === B)).toBe(true);
  }, 90_000);
});
