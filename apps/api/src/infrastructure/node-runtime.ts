import { join } from 'node:path';
import type { Settings } from '@vaxledger/config';
import { type EmbeddedPostgres, type EventStore, PostgresEventStore, startEmbeddedPostgres } from '@vaxledger/event-store';
import { PersonVault } from '@vaxledger/privacy';
import { ReadModels } from '@vaxledger/projections';
import { Pool } from 'pg';

/**
 * Everything a node runs on, opened once: the event store, the read models and their
 * projector, and the person vault. On the embedded default, PGlite is started first in
 * DATA_DIR and everything talks to it through the ordinary pg driver.
 */
export interface NodeRuntime {
  readonly settings: Settings;
  readonly store: EventStore;
  readonly readModels: ReadModels;
  readonly vault: PersonVault;
  readonly databaseUrl: string;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Schemas, so tests can run several nodes on one database. */
  readonly eventSchema?: string;
  readonly readSchema?: string;
  readonly vaultSchema?: string;
  /** Run the projector in this process (default true). */
  readonly projector?: boolean;
}

export const openNodeRuntime = async (settings: Settings, options: RuntimeOptions = {}): Promise<NodeRuntime> => {
  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = settings.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: join(settings.dataDir, 'pglite') });
    databaseUrl = embedded.url;
  }
  if (settings.eventStore !== 'postgres') {
    throw new Error('EVENT_STORE=kurrentdb is not available in this build yet (see issue: KurrentDB adapter)');
  }
  const engine = embedded ? 'pglite' : 'postgres';
  const store = await PostgresEventStore.connect({
    connectionString: databaseUrl,
    schema: options.eventSchema ?? 'vaxledger',
    engine,
    poolSize: engine === 'pglite' ? 4 : 16,
    pollIntervalMs: 20,
  });
  const readModels = await ReadModels.open(store, {
    connectionString: databaseUrl,
    schema: options.readSchema ?? 'readmodel',
    poolSize: engine === 'pglite' ? 4 : 16,
  });
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  // An idle connection that drops is replaced on next use; it must not crash the process.
  pool.on('error', () => undefined);
  const vault = new PersonVault(pool, settings.vaultMasterKey, options.vaultSchema ?? 'vault');
  await vault.migrate();
  if (options.projector !== false) readModels.runner.start();
  return {
    settings,
    store,
    readModels,
    vault,
    databaseUrl,
    close: async () => {
      await readModels.close();
      await store.close();
      await pool.end();
      await embedded?.stop();
    },
  };
};
