import { Kafka, logLevel } from 'kafkajs';
import { type ApiHarness } from '../support/api-harness';
import {
  A,
  AS_A,
  AS_B,
  B,
  daysAgo,
  federationSupplyChain,
  FEDERATION_PRODUCT,
  type FederationNodes,
  postTo as post,
  startPeers,
} from '../support/federation-scenario';
import { until } from '../support/until';

// An erasure travels: Sichuan (A) erases a person's details; Guangdong (B), which gave the
// same person a dose and holds its own copy of their details, receives PersonDetailsErased
// over the real Kafka broker and destroys its own key. Access events never leave A.

const LOT = 'ES2026A';
const BATCH = `${FEDERATION_PRODUCT}-${LOT}`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '11010519491231002X', name: '王五', birthDate: '1949-12-31', sex: 'F' };
const ACCESS_TYPES = ['PersonLookedUp', 'PersonRecordRead', 'RecallImpactExported'];

describe('erasure across provinces over Kafka', () => {
  let nodes: FederationNodes;
  let a: ApiHarness;
  let b: ApiHarness;
  let prefix = '';
  let personId = '';

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
    nodes = await startPeers('vxerase');
    ({ a, b, prefix } = nodes);
    // Clinics under their CDCs: a CDC may erase what its clinics recorded.
    await federationSupplyChain({ a, b }, { lot: LOT, clinicsUnderCdcs: true });
  }, 180_000);

  afterAll(async () => {
    await nodes?.close();
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
