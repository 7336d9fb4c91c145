import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { checkpointStream, type EventStore, PostgresEventStore, type RecordedEvent } from '@vaxledger/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { encodeEnvelope, sealEnvelope } from '../envelope/envelope.codec';
import { envelopeContentOf } from '../envelope/event-mapping';
import { EnvelopeSigner, TrustList } from '../signing/envelope-signing';
import { SyncStore } from '../sync-store';
import { forwardTopic } from '../topics';
import { InboxConsumer } from '../inbox/inbox-consumer';
import { until } from '../../../../test/support/until';
import { LogCheckpointer } from './log-checkpointer';

// Province A's signed checkpoints against what B imports, whichever comes first: a copy that
// does not hash to the leaf A signed is a CHECKPOINT_MISMATCH dead letter, never imported in
// silence. The inbox's batches are driven directly (real PostgreSQL; the Kafka path is the
// one the other sync tests cover).

const A = '510000';
const B = '440000';
const { privateKey } = generateKeyPairSync('ed25519');
const signer = new EnvelopeSigner(privateKey);
const trustList = new TrustList({ [A]: [signer.publicKey] });

/** Other tests' open transactions on the shared server hold readers back (ADR 0002): wait until all is readable. */
const readable = (store: EventStore): Promise<void> =>
  until('every committed event readable', async () => (await store.headPosition()) >= (await store.latestPosition()), 30_000, 20);

describe(`checkpoints at the receiver (${testDatabaseKind()})`, () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  pool.on('error', () => undefined);
  let storeA: PostgresEventStore;
  let storeB: PostgresEventStore;
  let syncB: SyncStore;
  let inbox: InboxConsumer;
  const topic = forwardTopic(B, `vxcp-${randomUUID().slice(0, 8)}`);

  beforeEach(async () => {
    const open = (schema: string): Promise<PostgresEventStore> =>
      PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema, engine: testDatabaseKind() });
    storeA = await open(freshSchema('cp_a'));
    storeB = await open(freshSchema('cp_b'));
    syncB = new SyncStore(pool, freshSchema('cp_sync'));
    await syncB.migrate();
    inbox = new InboxConsumer(new Kafka({ brokers: ['127.0.0.1:9'], logLevel: logLevel.NOTHING }), storeB, syncB, {
      provinceCode: B,
      origins: [],
      topics: [topic],
      trustList,
    });
  });
  afterEach(async () => {
    await storeA.close();
    await storeB.close();
  });
  afterAll(async () => {
    await pool.end();
  });

  /** Three batch events in A, then A's checkpoint over them; returns the events and the checkpoint event. */
  const logOfA = async (): Promise<{ events: RecordedEvent[]; checkpoint: RecordedEvent }> => {
    const stream = `batch-8696321-${randomUUID().slice(0, 8)}`;
    await storeA.append(
      stream,
      [1, 2, 3].map((n) => ({
        eventId: randomUUID(),
        type: 'ShipmentDispatched',
        schemaVersion: 1,
        data: { quantity: n * 10 },
        metadata: {
          correlationId: randomUUID(),
          originProvince: A,
          actor: { orgCode: '12510000MB0A1234XJ', role: 'cdc', provinceCode: A },
        },
      })),
    );
    await readable(storeA);
    await new LogCheckpointer(storeA, { provinceCode: A, signer, everyEvents: 100, everyMs: 60_000 }).runOnce(true);
    const [checkpoint] = await storeA.readStream(checkpointStream(A));
    return { events: await storeA.readStream(stream), checkpoint: checkpoint! };
  };
  const message = (event: RecordedEvent, offset: number, data?: unknown) => {
    const content = envelopeContentOf(event, A);
    const payload = data === undefined ? content.payload : Buffer.from(JSON.stringify(data), 'utf8');
    return {
      offset: String(offset),
      key: Buffer.from(event.streamId),
      value: encodeEnvelope(signer.sign(sealEnvelope({ ...content, payload }))),
      headers: {},
    };
  };

  it('imports honest copies that arrive after the checkpoint, with no dead letter', async () => {
    const { events, checkpoint } = await logOfA();
    await inbox.handleBatch(topic, 0, [message(checkpoint, 0)] as never);
    await inbox.handleBatch(topic, 1, events.map((e, i) => message(e, i)) as never);
    expect(await storeB.readStream(events[0]!.streamId)).toHaveLength(3);
    expect(await storeB.readStream(checkpointStream(A))).toHaveLength(1);
    expect(await syncB.deadLetters()).toEqual([]);
  });

  it('sets aside a copy, signed or not, that does not hash to the leaf of a checkpoint already held', async () => {
    const { events, checkpoint } = await logOfA();
    await inbox.handleBatch(topic, 0, [message(checkpoint, 0)] as never);
    await inbox.handleBatch(topic, 1, [message(events[0]!, 0, { quantity: 9999 })] as never);
    expect(await storeB.readStream(events[0]!.streamId)).toEqual([]);
    const letters = await syncB.deadLetters();
    expect(letters.map((l) => [l.reason, l.eventId])).toEqual([['CHECKPOINT_MISMATCH', events[0]!.eventId]]);
  });

  it('sets aside a checkpoint that disagrees with a copy imported before it, naming the copy', async () => {
    const { events, checkpoint } = await logOfA();
    await inbox.handleBatch(topic, 1, [message(events[0]!, 0, { quantity: 9999 }), message(events[1]!, 1)] as never);
    await inbox.handleBatch(topic, 0, [message(checkpoint, 0)] as never);
    expect(await storeB.readStream(checkpointStream(A))).toEqual([]);
    const letters = await syncB.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toBe('CHECKPOINT_MISMATCH');
    expect(letters[0]!.detail).toContain(events[0]!.eventId);
    expect(letters[0]!.detail).not.toContain(events[1]!.eventId);
  });
});
