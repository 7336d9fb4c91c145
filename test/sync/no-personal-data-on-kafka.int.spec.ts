import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeEnvelope, eventsTopic } from '@vaxledger/sync';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { until } from '../support/until';

// A node publishing to Kafka: a person is dosed (and refused, and looked up) with a name, an
// ID number and a birth date; afterwards every message on the federation's topics (values,
// keys and headers, raw and decoded) and every event in the log is searched for them.

const A = '510000';
const CLINIC = '12510100MB0C00017E';
const PRODUCT = '8696321';
const BATCH = `${PRODUCT}-PII2026`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104198507062823', name: '李秘密', birthDate: '1985-07-06', sex: 'F' };
const OTHER_ID = '11010519491231002X'; // refused dose, and a lookup of someone never dosed
const AS = {
  regulator: actor('regulator', ORGS.regulator, '000000'),
  maker: actor('manufacturer', ORGS.maker, '320000'),
  cdc: actor('cdc', ORGS.cdc, A),
  clinic: actor('clinic', CLINIC, A),
};
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
// The first of the month two months ago, and 24 months (the shelf life) after it.
const now = new Date();
const PRODUCED_ON = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1)).toISOString().slice(0, 10);
const EXPIRES_ON = new Date(Date.UTC(now.getUTCFullYear() + 2, now.getUTCMonth() - 2, 1)).toISOString().slice(0, 10);
const temperatureLog = { deviceId: 'TL-1', readings: [{ at: daysAgo(10), celsius: 5 }] };

/** The forms a plaintext identifier could take on the wire: as text, and as its UTF-8 bytes. */
const SECRETS = [PERSON.idNumber, PERSON.name, PERSON.birthDate, '19850706', OTHER_ID, OTHER_ID.toLowerCase()];

describe('Kafka messages carry no personal identifiers', () => {
  let node: ApiHarness;
  const prefix = `vxtest-${randomUUID().slice(0, 8)}`;
  let kafka: Kafka;

  beforeAll(async () => {
    const brokers = process.env.TEST_KAFKA_BROKERS;
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    kafka = new Kafka({ clientId: 'vx-pii-scan', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const key = generateKeyPairSync('ed25519');
    node = await startApi(
      {
        PROVINCE_CODE: A,
        KAFKA_BROKERS: brokers,
        SYNC_TOPIC_PREFIX: prefix,
        SYNC_SIGNING_KEY: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        SYNC_TRUST_LIST: JSON.stringify({ [A]: [key.publicKey.export({ type: 'spki', format: 'pem' }).toString()] }),
      },
      { syncGroupId: `${prefix}-a` },
    );
  }, 120_000);
  afterAll(async () => {
    await node?.close();
  }, 60_000);

  const ok = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await node.http.post(path).set(as).send(body);
    if (res.status !== 201 && res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };

  it('finds no ID number, name or birth date in any message or event', async () => {
    await ok('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
    await ok('/v1/organisations', AS.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: A });
    await ok('/v1/organisations', AS.regulator, { orgCode: CLINIC, name: 'Chengdu clinic', kind: 'clinic', provinceCode: A });
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
      serialised: false,
    });
    await ok('/v1/batches', AS.maker, {
      productCode: PRODUCT,
      lotNumber: 'PII2026',
      producedOn: PRODUCED_ON,
      expiresOn: EXPIRES_ON,
      quantity: 10,
    });
    await ok(`/v1/batches/${BATCH}/release`, AS.regulator, { certificateNo: 'C-PII', decidedOn: PRODUCED_ON });
    const receipt = { verification: { result: 'accepted', releaseCertificateChecked: true }, temperatureLog };
    const toCdc = await ok('/v1/shipments', AS.maker, {
      toSite: ORGS.cdc,
      dispatchedAt: daysAgo(12),
      deliveryNoteNo: 'D1',
      lines: [{ batchId: BATCH, quantity: 10 }],
    });
    await ok(`/v1/shipments/${String(toCdc.id)}/receipt`, AS.cdc, {
      ...receipt,
      receivedAt: daysAgo(11),
      lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
    });
    const toClinic = await ok('/v1/shipments', AS.cdc, {
      toSite: CLINIC,
      dispatchedAt: daysAgo(9),
      deliveryNoteNo: 'D2',
      lines: [{ batchId: BATCH, quantity: 10 }],
    });
    await ok(`/v1/shipments/${String(toClinic.id)}/receipt`, AS.clinic, {
      ...receipt,
      receivedAt: daysAgo(8),
      lines: [{ batchId: BATCH, accepted: 10, rejected: 0 }],
    });
    const dose = { batchId: BATCH, doseNumber: 1, administeredAt: daysAgo(1), route: 'IM', vaccinatorRef: 'V-1' };
    await ok('/v1/doses', AS.clinic, { ...dose, person: PERSON });
    const refused = await node.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({ ...dose, batchId: `${PRODUCT}-NOPE`, person: { ...PERSON, idNumber: OTHER_ID } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await node.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
    await node.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: OTHER_ID });

    // Everything the relay will publish is on the topic once its checkpoint reaches the log head.
    const sync = node.runtime.sync!;
    const head = await node.runtime.store.latestPosition();
    await until('the relay at the log head', async () => (await sync.store.relayCheckpoint(sync.relay.topic)) >= head, 60_000);
    const events = await node.runtime.store.readAll({ after: 0n, limit: 10_000 });
    expect(events.some((e) => e.type === 'DoseAdministered')).toBe(true);
    const messages: KafkaMessage[] = [];
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    await admin.disconnect();
    expect(topics).toContain(eventsTopic(A, prefix));
    const consumer = kafka.consumer({ groupId: `${prefix}-scan` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
      },
    });
    try {
      await until(
        'every published message back from Kafka',
        async () => messages.filter((m) => decodeEnvelope(m.value ?? Buffer.alloc(0)).ok).length >= sync.relay.publishedCount,
        60_000,
      );
    } finally {
      await consumer.disconnect();
    }

    const wire = messages.map((m) => {
      const decoded = decodeEnvelope(m.value ?? Buffer.alloc(0));
      const headers = Object.entries(m.headers ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      return [
        m.key?.toString('utf8') ?? '',
        (m.value ?? Buffer.alloc(0)).toString('latin1'),
        (m.value ?? Buffer.alloc(0)).toString('utf8'),
        decoded.ok ? Buffer.from(decoded.envelope.payload).toString('utf8') : '',
        decoded.ok ? Buffer.from(decoded.envelope.metadataJson).toString('utf8') : '',
        ...headers,
      ].join('\n');
    });
    expect(sync.relay.publishedCount).toBeGreaterThan(5);
    const logText = JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const found = SECRETS.filter((secret) => wire.some((w) => w.includes(secret)) || logText.includes(secret));
    expect(found).toEqual([]);
    // The scan can see what it looks for: the dose's person is on the wire, by pseudonym only.
    const dosed = events.find((e) => e.type === 'DoseAdministered');
    const personId = String((dosed?.data as { personId?: unknown } | undefined)?.personId);
    expect(wire.some((w) => w.includes(personId))).toBe(true);
  }, 180_000);
});
