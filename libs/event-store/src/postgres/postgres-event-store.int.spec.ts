import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { eventStoreContract } from '../contract/event-store.contract';
import { StreamConflictError } from '../errors';
import { START, type EventStore, type NewEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';

// The run's database: the machine's PostgreSQL under CI (DATABASE_URL), PGlite otherwise.
const kind = testDatabaseKind();

const appendInOpenTransaction = async (
  store: EventStore,
  streamId: string,
  events: readonly NewEvent[],
  work: () => Promise<void>,
): Promise<void> => {
  const pg = store as PostgresEventStore;
  await pg.withClient(async (client) => {
    await client.query('BEGIN');
    await client.query(
      `SELECT * FROM ${pg.schemaName}.append_events($1, 0, NULL, $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[])`,
      [
        streamId,
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => e.schemaVersion),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
      ],
    );
    try {
      await work();
    } finally {
      await client.query('COMMIT');
    }
  });
};

eventStoreContract(kind === 'pglite' ? 'postgres (PGlite server)' : 'postgres', {
  open: () =>
    PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('es'),
      engine: kind,
      pollIntervalMs: 10,
    }),
  ...(kind === 'postgres' ? { appendInOpenTransaction } : {}),
});

describe('postgres event store, the table itself', () => {
  it('refuses UPDATE and DELETE of stored events', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      await store.append('batch-x-1', [
        { eventId: '0b0f1d9e-8a39-4c4e-9f3b-7d1f2a3b4c5d', type: 'BatchProduced', schemaVersion: 1, data: {}, metadata: {} },
      ]);
      await expect(store.withClient((c) => c.query(`UPDATE ${store.schemaName}.events SET type = 'X'`))).rejects.toThrow(/append-only/);
      await expect(store.withClient((c) => c.query(`DELETE FROM ${store.schemaName}.events`))).rejects.toThrow(/append-only/);
      expect(await store.readStream('batch-x-1')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('says plainly when the database cannot be reached', async () => {
    await expect(
      PostgresEventStore.connect({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema: 'es_unreachable' }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('postgres event store, several streams in one transaction (appendAll)', () => {
  const event = (n: number): NewEvent => ({
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'DoseAdministered',
    schemaVersion: 1,
    data: { n },
    metadata: { originProvince: '510000' },
  });

  it('appends every part or none, and is a replay when delivered again', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      const results = await store.appendAll([
        { streamId: 'person-510000-a', events: [event(1), event(2)], options: { expected: 'no-stream' } },
        { streamId: 'person-510000-b', events: [event(3)], options: { expected: 'no-stream' } },
      ]);
      expect(results.map((r) => [r.streamId, r.revision, r.replayed])).toEqual([
        ['person-510000-a', 1, false],
        ['person-510000-b', 0, false],
      ]);
      const head = await store.latestPosition();
      // The same delivery again (a Kafka redelivery): nothing written, each part a replay.
      const again = await store.appendAll([
        { streamId: 'person-510000-a', events: [event(1), event(2)], options: { expected: 'no-stream' } },
        { streamId: 'person-510000-b', events: [event(3)], options: { expected: 'no-stream' } },
      ]);
      expect(again.map((r) => r.replayed)).toEqual([true, true]);
      // A conflict in the second part leaves the first unwritten too.
      await expect(
        store.appendAll([
          { streamId: 'person-510000-c', events: [event(4)], options: { expected: 'no-stream' } },
          { streamId: 'person-510000-b', events: [event(5)], options: { expected: 'no-stream' } },
        ]),
      ).rejects.toThrow(StreamConflictError);
      expect(await store.readStream('person-510000-c')).toEqual([]);
      expect(await store.latestPosition()).toBe(head);
      expect((await store.readAll({ after: START, limit: 10 })).map((e) => e.eventId)).toEqual([1, 2, 3].map((n) => event(n).eventId));
    } finally {
      await store.close();
    }
  });
});
