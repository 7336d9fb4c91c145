import { eventStoreContract } from '../contract/event-store.contract';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './pglite-server';
import { PostgresEventStore } from './postgres-event-store';

// The embedded default as `npm start` runs it: PGlite behind pglite-socket, same pg code.
let embedded: EmbeddedPostgres | undefined;
let schemas = 0;

afterAll(async () => {
  await embedded?.stop();
});

eventStoreContract('embedded PGlite', {
  open: async () => {
    embedded ??= await startEmbeddedPostgres({});
    return PostgresEventStore.connect({
      connectionString: embedded.url,
      schema: `embedded_${schemas++}`,
      engine: 'pglite',
      pollIntervalMs: 10,
    });
  },
});
