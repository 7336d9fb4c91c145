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
