import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import {
  contentHashOf,
  encodeEnvelope,
  EnvelopeSigner,
  eventsTopic,
  sealEnvelope,
  type EnvelopeContent,
  type WireEnvelope,
} from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { until } from '../support/until';

// Two provincial nodes that sign what they publish and check what they receive against one
// trust list, over the real Kafka broker. A hostile producer with access to the topics
// writes envelopes that are tampered with, unsigned, signed by a stranger, or signed by a
// trusted province for a stream it does not own: each is dead-lettered, counted in
// /metrics, and the consumer carries on.

const A = '510000'; // Sichuan
const B = '440000'; // Guangdong
const C = '650000'; // Xinjiang: a third trusted province, not a party to these streams
const NATIONAL = '000000'; // the national regulator registers organisations anywhere

const ed25519 = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('ed25519');
const pem = (key: KeyObject): string => key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();

describe('signed sync between two provinces', () => {
  const keyA = ed25519();
  const keyAOld = ed25519(); // still listed for A: A is rolling its key over
  const keyB = ed25519();
  const keyC = ed25519();
  const stranger = ed25519();
  const trustList = JSON.stringify({
    [A]: [pem(keyA.publicKey), pem(keyAOld.publicKey)],
    [B]: [pem(keyB.publicKey)],
    [C]: [pem(keyC.publicKey)],
  });
  const prefix = `vxtest-${randomUUID().slice(0, 8)}`;
  let a: ApiHarness;
  let b: ApiHarness;
  let kafka: Kafka;

  beforeAll(async () => {
    const brokers = process.env.TEST_KAFKA_BROKERS;
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    kafka = new Kafka({ clientId: 'vx-hostile', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const common = { KAFKA_BROKERS: brokers, SYNC_TOPIC_PREFIX: prefix, SYNC_TRUST_LIST: trustList };
    a = await startApi(
      { ...common, PROVINCE_CODE: A, SYNC_PEERS: B, SYNC_SIGNING_KEY: pem(keyA.privateKey) },
      { syncGroupId: `${prefix}-a` },
    );
    b = await startApi(
      { ...common, PROVINCE_CODE: B, SYNC_PEERS: `${A},${C}`, SYNC_SIGNING_KEY: pem(keyB.privateKey) },
      { syncGroupId: `${prefix}-b` },
    );
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  }, 60_000);

  const registerInA = async (orgCode: string): Promise<void> => {
    const res = await a.http
      .post('/v1/organisations')
      .set(actor('regulator', ORGS.regulator, NATIONAL))
      .send({ orgCode, name: `Clinic ${orgCode.slice(-4)}`, kind: 'clinic', provinceCode: A });
    if (res.status !== 201) throw new Error(`register ${orgCode}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const copiesInB = async (streamId: string): Promise<number> => (await b.runtime.store.readStream(streamId)).length;
  const deadLettersInB = async (): Promise<{ reason: string; eventId: string | null }[]> => b.runtime.sync!.store.deadLetters();
  const metricOf = async (node: ApiHarness, name: string): Promise<number> => {
    const res = await node.http.get('/metrics');
    const line = String(res.text)
      .split('\n')
      .find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };

  it('imports what a province signed with its current key, and tells the envelopes on the wire are signed', async () => {
    await registerInA(ORGS.cdc);
    await until('the organisation in B', async () => (await copiesInB(`org-${ORGS.cdc}`)) === 1);
    const [copy] = await b.runtime.store.readStream(`org-${ORGS.cdc}`);
    expect(copy?.metadata.originProvince).toBe(A);
    expect(await deadLettersInB()).toEqual([]);
  }, 90_000);

  describe('a hostile producer on the topics', () => {
    const personStream = `person-${A}-p1${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const content = (overrides: Partial<EnvelopeContent> = {}): EnvelopeContent => ({
      eventId: randomUUID(),
      type: 'DoseAdministered',
      schemaVersion: 1,
      streamId: personStream,
      streamRevision: 0,
      originProvince: A,
      originPosition: '1',
      recordedAt: '2026-11-20T10:00:00+08:00',
      occurredAt: '2026-11-20T10:00:00+08:00',
      actor: { orgCode: ORGS.cdc, role: 'clinic', provinceCode: A },
      payload: Buffer.from(JSON.stringify({ vaccineType: 'HepB', doseNumber: 1 })),
      metadataJson: new Uint8Array(),
      ...overrides,
    });
    const signedBy = (key: KeyObject, e: EnvelopeContent): WireEnvelope => new EnvelopeSigner(key).sign(sealEnvelope(e));
    const send = async (topic: string, envelopes: readonly WireEnvelope[]): Promise<void> => {
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({ topic, messages: envelopes.map((e) => ({ key: e.streamId, value: encodeEnvelope(e) })) });
      } finally {
        await producer.disconnect();
      }
    };

    it('dead-letters tampered, unsigned, stranger-signed and non-owner-signed envelopes, counts them, and carries on', async () => {
      const genuine = signedBy(keyA.privateKey, content());
      const tamperedPayload = Buffer.from(JSON.stringify({ vaccineType: 'HepB', doseNumber: 3 }));
      const cases: [string, string, WireEnvelope][] = [
        // The payload changed and the content hash recomputed to match: only the signature tells.
        [
          eventsTopic(A, prefix),
          'BAD_SIGNATURE',
          { ...genuine, payload: tamperedPayload, contentHash: contentHashOf({ ...genuine, payload: tamperedPayload }) },
        ],
        [eventsTopic(A, prefix), 'UNSIGNED', sealEnvelope(content())],
        [eventsTopic(A, prefix), 'UNTRUSTED_SIGNER', signedBy(stranger.privateKey, content())],
        // Guangdong's trusted key, signing an event of Sichuan's stream as if from Sichuan.
        [eventsTopic(A, prefix), 'SIGNER_NOT_OWNER', signedBy(keyB.privateKey, content())],
        // Xinjiang signing honestly as itself, for a stream Sichuan owns.
        [eventsTopic(C, prefix), 'STREAM_OWNED_ELSEWHERE', signedBy(keyC.privateKey, content({ originProvince: C }))],
      ];
      const deadBefore = await metricOf(b, 'vaxledger_sync_dead_letters');
      for (const [topic, , envelope] of cases) await send(topic, [envelope]);

      await until('five dead letters in B', async () => (await deadLettersInB()).length >= cases.length);
      const letters = await deadLettersInB();
      expect(letters.map((l) => [l.reason, l.eventId]).sort()).toEqual(cases.map(([, reason, e]) => [reason, e.eventId]).sort());
      expect(await copiesInB(personStream)).toBe(0);
      expect(await metricOf(b, 'vaxledger_sync_dead_letters')).toBe(deadBefore + cases.length);

      // Still consuming: the genuine envelope (signed with A's current key), one signed with
      // A's older key that is still listed, and A's next event through its relay are all imported.
      const byOldKey = signedBy(keyAOld.privateKey, content({ streamRevision: 1, payload: Buffer.from('{"doseNumber":2}') }));
      await send(eventsTopic(A, prefix), [genuine, byOldKey]);
      await registerInA(ORGS.clinic);
      await until('the next organisation in B', async () => (await copiesInB(`org-${ORGS.clinic}`)) === 1);
      await until('both signed doses in B', async () => (await copiesInB(personStream)) === 2);
      const doses = await b.runtime.store.readStream(personStream);
      expect(doses.map((d) => d.eventId)).toEqual([genuine.eventId, byOldKey.eventId]);
      expect(doses[0]?.data).toEqual({ vaccineType: 'HepB', doseNumber: 1 });
      expect((await deadLettersInB()).length).toBe(cases.length);
    }, 120_000);
  });

  it('imports into A what B signed and published (both directions verify)', async () => {
    const cdcB = '12440000MB0D00028M';
    const res = await b.http
      .post('/v1/organisations')
      .set(actor('regulator', ORGS.regulator, NATIONAL))
      .send({ orgCode: cdcB, name: 'Guangdong CDC', kind: 'cdc', provinceCode: B });
    expect({ status: res.status, problem: res.status === 201 ? null : res.body }).toEqual({ status: 201, problem: null });
    await until('B’s CDC in A', async () => (await a.runtime.store.readStream(`org-${cdcB}`)).length === 1);
    expect(await a.runtime.sync!.store.deadLetters()).toEqual([]);
  }, 60_000);
});
