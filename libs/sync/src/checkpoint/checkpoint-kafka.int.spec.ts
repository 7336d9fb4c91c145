import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { checkpointStream, type NewEvent, PostgresEventStore, verifyStoreLog } from '@vaxledger/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until as waitUntil } from '../../../../test/support/until';
import { encodeEnvelope, sealEnvelope } from '../envelope/envelope.codec';
import { envelopeContentOf } from '../envelope/event-mapping';
import { InboxConsumer } from '../inbox/inbox-consumer';
import { OutboxRelay } from '../relay/outbox-relay';
import { EnvelopeSigner, TrustList } from '../signing/envelope-signing';
import { SyncStore } from '../sync-store';
import { eventsTopic } from '../topics';
import { LogCheckpointer } from './log-checkpointer';

// Province A signs its log while its relay publishes it over the real Kafka broker; B imports
// the events and the checkpoints and its own `log verify` checks A's copies against them. A
// copy altered after A signed it (by someone holding A's sync key) is then a CHECKPOINT_MISMATCH
// dead letter at B, not an import.

const brokers = (): string[] => {
  const value = process.env.TEST_KAFKA_BROKERS;
  if (!value) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker (deploy/local/kafka)');
  return value.split(',');
};

const A = '510000';
const B = '440000';
const { privateKey } = generateKeyPairSync('ed25519');
const signerA = new EnvelopeSigner(privateKey);
const trustList = new TrustList({ [A]: [signerA.publicKey] });

const shipment = (quantity: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'ShipmentDispatched',
  schemaVersion: 1,
  data: { quantity, to: '12440000MB0A1234XJ' },
  metadata: { originProvince: A, correlationId: randomUUID(), actor: { orgCode: '12510000MB0A1234XJ', role: 'cdc', provinceCode: A } },
});

describe(`signed checkpoints over Kafka (${testDatabaseKind()})`, () => {
  const kafka = new Kafka({ clientId: 'vx-checkpoint-test', brokers: brokers(), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  pool.on('error', () => undefined);
  const run = randomUUID().slice(0, 8);
  const prefix = `vxcp-${run}`;
  let storeA: PostgresEventStore;
  let storeB: PostgresEventStore;
  let syncB: SyncStore;
  let relay: OutboxRelay;
  let inbox: InboxConsumer;
  let checkpointer: LogCheckpointer;

  beforeAll(async () => {
    const open = (schema: string): Promise<PostgresEventStore> =>
      PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema, engine: testDatabaseKind(), pollIntervalMs: 20 });
    storeA = await open(freshSchema('cpk_a'));
    storeB = await open(freshSchema('cpk_b'));
    const syncA = new SyncStore(pool, freshSchema('cpk_state_a'));
    syncB = new SyncStore(pool, freshSchema('cpk_state_b'));
    await syncA.migrate();
    await syncB.migrate();
    relay = new OutboxRelay(kafka, storeA, syncA, { provinceCode: A, topicPrefix: prefix, signer: signerA });
    inbox = new InboxConsumer(kafka, storeB, syncB, {
      provinceCode: B,
      origins: [A],
      topicPrefix: prefix,
      groupId: `vx-cp-${run}`,
      trustList,
    });
    checkpointer = new LogCheckpointer(storeA, { provinceCode: A, signer: signerA, everyEvents: 3, everyMs: 300, pollMs: 50 });
    await relay.start();
    await inbox.start();
    checkpointer.start();
  }, 120_000);

  afterAll(async () => {
    await checkpointer?.stop();
    await inbox?.stop();
    await relay?.stop();
    await storeA?.close();
    await storeB?.close();
    await pool.end();
  });

  it("B imports A's events and A's checkpoints, and B's log verify finds A's copies as signed", async () => {
    const stream = `batch-8696321-${run}`;
    for (let i = 0; i < 5; i++) await storeA.append(stream, [shipment(i)], { expected: i === 0 ? 'no-stream' : i - 1 });
    await waitUntil('two checkpoints of A in B', async () => (await storeB.readStream(checkpointStream(A))).length === 2);
    expect(await storeB.readStream(stream)).toHaveLength(5);
    expect(await syncB.deadLetters()).toEqual([]);
    const verified = await verifyStoreLog(storeB, B, (c) => trustList.checkCheckpoint(c));
    expect(verified.origins.map((o) => [o.origin, o.checkpoints, o.covered, o.problems.length])).toEqual([[A, 2, 5, 0]]);
  }, 90_000);

  it("dead-letters, as CHECKPOINT_MISMATCH, a copy signed with A's key but altered after A checkpointed it", async () => {
    const stream = `batch-8696322-${run}`;
    await storeA.append(stream, [shipment(7)], { expected: 'no-stream' });
    const [original] = await storeA.readStream(stream);
    await waitUntil('a checkpoint in B that lists the event', async () => (await syncB.checkpointLeavesOf([original!.eventId])).size === 1);
    await waitUntil('the honest copy in B', async () => (await storeB.readStream(stream)).length === 1);
    // The same event, rewritten (a "correction" by someone holding A's key), offered on a stream B lacks.
    const content = envelopeContentOf(original!, A);
    const forged = signerA.sign(
      sealEnvelope({ ...content, eventId: original!.eventId, streamId: `${stream}-copy`, payload: Buffer.from('{"quantity":7000}') }),
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: eventsTopic(A, prefix), messages: [{ key: forged.streamId, value: encodeEnvelope(forged) }] });
    await producer.disconnect();
    await waitUntil('a dead letter', async () => (await syncB.deadLetters()).length === 1);
    const [letter] = await syncB.deadLetters();
    expect(letter!.reason).toBe('CHECKPOINT_MISMATCH');
    expect(letter!.eventId).toBe(original!.eventId);
    expect(await storeB.readStream(`${stream}-copy`)).toEqual([]);
  }, 90_000);
});
