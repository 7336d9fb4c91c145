import { randomUUID } from 'node:crypto';
import { PostgresEventStore, type RecordedEvent } from '@vaxledger/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { encodeEnvelope, sealEnvelope } from '../envelope/envelope.codec';
import { envelopeContentOf } from '../envelope/event-mapping';
import { SyncStore } from '../sync-store';
import { forwardTopic } from '../topics';
import { InboxConsumer } from './inbox-consumer';

// A history pull or a province that joined late can deliver a stream's later revisions
// before its earlier ones. They are parked (never dropped, never blocking the partition)
// and imported in order the moment the gap fills.

const A = '510000';
const B = '440000';
const PERSON = 'p1aaaabbbbccccddddeeeeffffgg';

describe(`parking out-of-order revisions (${testDatabaseKind()})`, () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  pool.on('error', () => undefined);
  let storeA: PostgresEventStore;
  let storeB: PostgresEventStore;
  let syncB: SyncStore;
  let inbox: InboxConsumer;
  const topic = forwardTopic(B, `vxpark-${randomUUID().slice(0, 8)}`);

  beforeAll(async () => {
    const open = (schema: string): Promise<PostgresEventStore> =>
      PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema, engine: testDatabaseKind(), pollIntervalMs: 20 });
    storeA = await open(freshSchema('park_a'));
    storeB = await open(freshSchema('park_b'));
    syncB = new SyncStore(pool, freshSchema('park_sync'));
    await syncB.migrate();
    // Never started: handleBatch is driven directly, so no broker is involved in this test.
    inbox = new InboxConsumer(new Kafka({ brokers: ['127.0.0.1:9'], logLevel: logLevel.NOTHING }), storeB, syncB, {
      provinceCode: B,
      origins: [],
      topics: [topic],
    });
  });
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await pool.end();
  });

  const streamInA = async (length: number): Promise<RecordedEvent[]> => {
    const stream = `person-${A}-${PERSON}`;
    await storeA.append(
      stream,
      Array.from({ length }, (_, n) => ({
        eventId: randomUUID(),
        type: 'DoseAdministered',
        schemaVersion: 1,
        data: { personId: PERSON, doseNumber: n + 1, vaccineType: 'HepB', batchId: '8696321-L1', siteCode: '12510000MB0A1234XJ' },
        metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
      })),
      { expected: 'no-stream' },
    );
    return storeA.readStream(stream);
  };
  const message = (event: RecordedEvent, offset: number): { offset: string; value: Buffer; key: Buffer; headers: object } => ({
    offset: String(offset),
    key: Buffer.from(event.streamId),
    value: encodeEnvelope(sealEnvelope(envelopeContentOf(event, A))),
    headers: {},
  });

  it('parks revisions 2 and 3 until 0 and 1 arrive, then imports all four in order, once', async () => {
    const events = await streamInA(4);
    const messages = events.map((e, i) => message(e, i));
    await inbox.handleBatch(topic, 0, [messages[3]!, messages[2]!] as never);
    expect(await storeB.readStream(events[0]!.streamId)).toEqual([]);
    expect(await syncB.parkedCount()).toBe(2);
    await inbox.handleBatch(topic, 0, [messages[0]!] as never);
    expect((await storeB.readStream(events[0]!.streamId)).map((e) => e.revision)).toEqual([0]);
    // Revision 1 fills the gap: 2 and 3 follow from the parking lot, in order.
    await inbox.handleBatch(topic, 0, [messages[1]!] as never);
    const inB = await storeB.readStream(events[0]!.streamId);
    expect(inB.map((e) => [e.revision, e.eventId])).toEqual(events.map((e) => [e.revision, e.eventId]));
    expect(await syncB.parkedCount()).toBe(0);
    // Everything again (a second pull): nothing new, nothing parked, nothing dead-lettered.
    await inbox.handleBatch(topic, 0, messages as never);
    expect(await storeB.readStream(events[0]!.streamId)).toHaveLength(4);
    expect(await syncB.parkedCount()).toBe(0);
    expect(await syncB.deadLetters()).toEqual([]);
  });
});
