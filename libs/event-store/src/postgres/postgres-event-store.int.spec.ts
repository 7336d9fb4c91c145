import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { eventStoreContract } from '../contract/event-store.contract';
import type { EventStore, NewEvent } from '../event-store.port';
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
