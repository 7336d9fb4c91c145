import { randomUUID } from 'node:crypto';
import { type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../test/support/database';
import { encodeEnvelope, sealEnvelope } from './envelope/envelope.codec';
import { InboxConsumer } from './inbox/inbox-consumer';
import { OutboxRelay } from './relay/outbox-relay';
import { SyncStore } from './sync-store';
import { eventsTopic } from './topics';
import { until as waitUntil } from '../../../test/support/until';

// Two provinces, each with its own log on the run's PostgreSQL, and the real Kafka broker
// between them; each run has topics of its own (a fresh topic prefix).

const brokers = (): string[] => {
  const value = process.env.TEST_KAFKA_BROKERS;
  if (!value) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker (deploy/local/kafka)');
  return value.split(',');
};

const A = '510000';
const B = '440000';

const dose = (personId: string, n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'DoseAdministered',
  schemaVersion: 1,
  data: {
    personId,
    siteCode: '12510000MB0A1234XJ',
    administeredAt: '2026-11-20T10:00:00+08:00',
    batchId: '8696321-L1',
    productCode: '8696321',
    traceCode: null,
    vaccineType: 'HepB',
    doseNumber: n,
    vaccinatorRef: 'V',
    route: 'IM',
  },
  metadata: { originProvince: A, correlationId: randomUUID(), actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
});

describe(`sync between two provinces over Kafka (${testDatabaseKind()})`, () => {
  const kafka = new Kafka({ clientId: 'vx-sync-test', brokers: brokers(), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  pool.on('error', () => undefined);
  let storeA: PostgresEventStore;
  let storeB: PostgresEventStore;
  let syncA: SyncStore;
  let syncB: SyncStore;
  let relay: OutboxRelay;
  let inbox: InboxConsumer;
  const run = randomUUID().slice(0, 8);
  const prefix = `vxtest-${run}`;
  const personId = `p1${run}aaaaaaaaaaaaaaaaaa`;

  beforeAll(async () => {
    storeA = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('sync_a'),
      engine: testDatabaseKind(),
      pollIntervalMs: 20,
    });
    storeB = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('sync_b'),
      engine: testDatabaseKind(),
      pollIntervalMs: 20,
    });
    syncA = new SyncStore(pool, freshSchema('sync_state_a'));
    syncB = new SyncStore(pool, freshSchema('sync_state_b'));
    await syncA.migrate();
    await syncB.migrate();
    relay = new OutboxRelay(kafka, storeA, syncA, { provinceCode: A, topicPrefix: prefix });
    inbox = new InboxConsumer(kafka, storeB, syncB, { provinceCode: B, origins: [A], topicPrefix: prefix, groupId: `vx-test-${run}` });
    await relay.start();
    await inbox.start();
  }, 120_000);

  afterAll(async () => {
    await inbox?.stop();
    await relay?.stop();
    await storeA?.close();
    await storeB?.close();
    await pool.end();
    // A Kafka consumer leaving its group can take several seconds on a loaded machine.
  }, 60_000);

  const copiesInB = async (): Promise<number> => (await storeB.readStream(`person-${A}-${personId}`)).length;

  it('imports every event of A into B once, with the same ids, revisions and origin', async () => {
    const events = [dose(personId, 1), dose(personId, 2), dose(personId, 3)];
    for (const [i, event] of events.entries())
      await storeA.append(`person-${A}-${personId}`, [event], { expected: i === 0 ? 'no-stream' : i - 1 });
    await waitUntil('three copies in B', async () => (await copiesInB()) === 3);
    const copies = await storeB.readStream(`person-${A}-${personId}`);
    expect(copies.map((e) => [e.eventId, e.revision, e.metadata.originProvince])).toEqual(events.map((e, i) => [e.eventId, i, A]));
    expect(copies[0]!.data).toEqual(events[0]!.data);
  }, 90_000);

  it('drops duplicates on the wire: a relay that republishes changes nothing', async () => {
    const original = await storeA.readStream(`person-${A}-${personId}`);
    // As if the relay crashed after Kafka acknowledged and before its checkpoint moved.
    await relay.publish(original);
    await relay.publish(original);
    const marker = dose(personId, 4);
    await storeA.append(`person-${A}-${personId}`, [marker], { expected: 2 });
    await waitUntil('the marker in B', async () => (await copiesInB()) === 4);
    const copies = await storeB.readStream(`person-${A}-${personId}`);
    expect(new Set(copies.map((e) => e.eventId)).size).toBe(4);
  }, 90_000);

  it('dead-letters garbage, a forged origin and an unknown schema version, and carries on', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const forged = sealEnvelope({
      eventId: randomUUID(),
      type: 'DoseAdministered',
      schemaVersion: 1,
      streamId: `person-${B}-${personId}`,
      streamRevision: 0,
      originProvince: B,
      originPosition: '1',
      recordedAt: '2026-11-20T10:00:00+08:00',
      occurredAt: '2026-11-20T10:00:00+08:00',
      actor: { orgCode: 'X', role: 'clinic', provinceCode: B },
      payload: Buffer.from('{}'),
      metadataJson: new Uint8Array(),
    });
    const future = sealEnvelope({
      eventId: randomUUID(),
      type: 'DoseAdministered',
      schemaVersion: 9,
      streamId: `person-${A}-${personId}x`,
      streamRevision: 0,
      originProvince: A,
      originPosition: '1',
      recordedAt: '2026-11-20T10:00:00+08:00',
      occurredAt: '2026-11-20T10:00:00+08:00',
      actor: { orgCode: 'X', role: 'clinic', provinceCode: A },
      payload: Buffer.from('{}'),
      metadataJson: new Uint8Array(),
    });
    const before = inbox.deadLetteredCount;
    await producer.send({
      topic: eventsTopic(A, prefix),
      messages: [
        { key: 'garbage', value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]) },
        { key: forged.streamId, value: encodeEnvelope(forged) },
        { key: future.streamId, value: encodeEnvelope(future) },
      ],
    });
    await producer.disconnect();
    await waitUntil('three dead letters', async () => inbox.deadLetteredCount >= before + 3);
    const reasons = (await syncB.deadLetters()).map((d) => d.reason);
    expect(reasons).toEqual(expect.arrayContaining(['MALFORMED', 'FORGED_ORIGIN', 'UNKNOWN_SCHEMA_VERSION']));
    expect(await storeB.readStream(`person-${B}-${personId}`)).toEqual([]);
    // Still consuming.
    await storeA.append(`person-${A}-${personId}`, [dose(personId, 5)], { expected: 3 });
    await waitUntil('the next dose in B', async () => (await copiesInB()) === 5);
    expect(await copiesInB()).toBe(5);
  }, 90_000);
});
