import { eventStoreContract } from '../contract/event-store.contract';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './pglite-server';
import { PostgresEventStore } from './postgres-event-store';

// The embedded default as `npm start` runs it: PGlite behind pglite-socket, same pg code.
let embedded: EmbeddedPostgres | undefined;
let schemas = 0;

// Starting PGlite (WebAssembly) takes seconds on a loaded CI machine: before the contract's
// own hooks, with a timeout of its own.
beforeAll(async () => {
  embedded = await startEmbeddedPostgres({});
}, 120_000);
afterAll(async () => {
  await embedded?.stop();
}, 60_000);

eventStoreContract('embedded PGlite', {
  open: async () => {
    if (!embedded) throw new Error('the embedded server did not start');
    return PostgresEventStore.connect({
      connectionString: embedded.url,
      schema: `embedded_${schemas++}`,
      engine: 'pglite',
      pollIntervalMs: 10,
    });
  },
});

describe('a store pointed at the embedded server by its URL alone (no engine given)', () => {
  it('does not prepare statements by name: the socket connections share one session, where a name would already exist', async () => {
    if (!embedded) throw new Error('the embedded server did not start');
    const store = await PostgresEventStore.connect({ connectionString: embedded.url, schema: `embedded_url_${schemas++}`, poolSize: 3 });
    try {
      // The same statement in transactions on several connections (each would prepare it by name).
      const counts = await Promise.all(
        [0, 1, 2, 3, 4, 5].map(() => store.transaction(async (tx) => tx.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_class'))),
      );
      expect(counts.every((rows) => Number(rows[0]?.n) > 0)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
