import { randomUUID } from 'node:crypto';
import { type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until } from '../../../../test/support/until';
import { OutboxRelay } from '../relay/outbox-relay';
import { SyncStore } from '../sync-store';
import { consumerGroupId } from '../topics';
import { InboxConsumer } from './inbox-consumer';

// Two federations on one Kafka cluster (two topic prefixes), each with the same province B
// importing the same origin A, both on their default consumer group. Before the prefix was
// part of the group id they shared `vaxledger-sync-440000`, and kafkajs handed partitions of
// one federation's topic to the other's consumer: events were imported into the wrong node
// or not at all.

const brokers = (): string[] => {
  const value = process.env.TEST_KAFKA_BROKERS;
  if (!value) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker (deploy/local/kafka)');
  return value.split(',');
};

const A = '510000';
const B = '440000';
const STREAMS = 6; // over 3 partitions, so every partition of each topic carries events

const dose = (personId: string): NewEvent => ({
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
    doseNumber: 1,
    vaccinatorRef: 'V',
    route: 'IM',
  },
  metadata: { originProvince: A, correlationId: randomUUID(), actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
});

interface Federation {
  readonly prefix: string;
  readonly origin: PostgresEventStore;
  readonly receiver: PostgresEventStore;
  readonly relay: OutboxRelay;
  readonly inbox: InboxConsumer;
  readonly streams: string[];
}

describe('default sync consumer groups of two topic prefixes on one cluster', () => {
  const kafka = new Kafka({ clientId: 'vx-group-test', brokers: brokers(), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  pool.on('error', () => undefined);
  const run = randomUUID().slice(0, 8);
  const federations: Federation[] = [];

  const open = async (name: string): Promise<Federation> => {
    const prefix = `vxgroup-${run}-${name}`;
    const connect = (role: string): Promise<PostgresEventStore> =>
      PostgresEventStore.connect({
        connectionString: testDatabaseUrl(),
        schema: freshSchema(`grp_${name}_${role}`),
        engine: testDatabaseKind(),
        pollIntervalMs: 20,
      });
    const origin = await connect('a');
    const receiver = await connect('b');
    const syncA = new SyncStore(pool, freshSchema(`grp_${name}_sync_a`));
    const syncB = new SyncStore(pool, freshSchema(`grp_${name}_sync_b`));
    await syncA.migrate();
    await syncB.migrate();
    const relay = new OutboxRelay(kafka, origin, syncA, { provinceCode: A, topicPrefix: prefix });
    // No groupId: the default, as a node started without SYNC_GROUP_ID uses.
    const inbox = new InboxConsumer(kafka, receiver, syncB, { provinceCode: B, origins: [A], topicPrefix: prefix });
    await relay.start();
    await inbox.start();
    return { prefix, origin, receiver, relay, inbox, streams: [] };
  };

  beforeAll(async () => {
    federations.push(await open('one'));
    federations.push(await open('two'));
  }, 120_000);

  afterAll(async () => {
    for (const f of federations) {
      await f.inbox.stop();
      await f.relay.stop();
      await f.origin.close();
      await f.receiver.close();
    }
    await pool.end();
  }, 60_000);

  it('names the group after the prefix and the province', () => {
    expect(consumerGroupId('sync', B)).toBe('vaxledger-sync-440000');
    expect(consumerGroupId('sync', B, 'staging')).toBe('staging-sync-440000');
    expect(consumerGroupId('history', B, 'staging')).toBe('staging-history-440000');
  });

  it('keeps each federation on its own group: every event reaches its own receiver and no other', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      for (const f of federations) expect(groups).toContain(`${f.prefix}-sync-${B}`);
    } finally {
      await admin.disconnect();
    }
    for (const f of federations)
      for (let i = 0; i < STREAMS; i++) {
        const stream = `person-${A}-p1${run}${f.prefix.slice(-3)}${String(i).padStart(12, '0')}`;
        f.streams.push(stream);
        await f.origin.append(stream, [dose(stream.slice(-28))], { expected: 'no-stream' });
      }
    const importedStreams = async (f: Federation): Promise<string[]> =>
      [...new Set((await f.receiver.readAll({ after: 0n, limit: 1000 })).map((e) => e.streamId))].sort();
    for (const f of federations)
      await until(`${f.prefix}: all ${STREAMS} streams imported`, async () => (await importedStreams(f)).length >= STREAMS);
    for (const f of federations) expect(await importedStreams(f)).toEqual([...f.streams].sort());
  }, 120_000);
});
