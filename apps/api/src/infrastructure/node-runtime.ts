import { join } from 'node:path';
import type { Settings } from '@vaxledger/config';
import { type EmbeddedPostgres, type EventStore, PostgresEventStore, startEmbeddedPostgres } from '@vaxledger/event-store';
import { PersonVault } from '@vaxledger/privacy';
import { ReadModels } from '@vaxledger/projections';
import { InboxConsumer, OutboxRelay, SyncStore } from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
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
  /** Present when KAFKA_BROKERS is set and the sync role runs in this process. */
  readonly sync: NodeSync | null;
  close(): Promise<void>;
}

export interface NodeSync {
  readonly relay: OutboxRelay;
  readonly inbox: InboxConsumer;
  readonly store: SyncStore;
}

export interface RuntimeOptions {
  /** Schemas, so tests can run several nodes on one database. */
  readonly eventSchema?: string;
  readonly readSchema?: string;
  readonly vaultSchema?: string;
  /** Run the projector in this process (default true). */
  readonly projector?: boolean;
  /** Run the sync relay and consumer in this process when Kafka is configured (default true). */
  readonly sync?: boolean;
  readonly syncSchema?: string;
  /** Kafka consumer group (default vaxledger-sync-<province>). */
  readonly syncGroupId?: string;
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
  const pool = new Pool({ connectionString: databaseUrl, max: engine === 'pglite' ? 4 : 16 });
  // An idle connection that drops is replaced on next use; it must not crash the process.
  pool.on('error', () => undefined);
  const vault = new PersonVault(pool, settings.vaultMasterKey, options.vaultSchema ?? 'vault');
  await vault.migrate();
  if (options.projector !== false) readModels.runner.start();
  let sync: NodeSync | null = null;
  if (settings.kafkaBrokers.length > 0 && options.sync !== false) {
    const kafka = new Kafka({
      clientId: `vaxledger-${settings.provinceCode}`,
      brokers: [...settings.kafkaBrokers],
      logLevel: logLevel.WARN,
    });
    const syncStore = new SyncStore(pool, options.syncSchema ?? 'sync');
    await syncStore.migrate();
    // Peer mode: publish to our topic, consume the partners'. (Hub and direct: issue 4.)
    const relay = new OutboxRelay(kafka, store, syncStore, { provinceCode: settings.provinceCode, topicPrefix: settings.syncTopicPrefix });
    const inbox = new InboxConsumer(kafka, store, syncStore, {
      provinceCode: settings.provinceCode,
      origins: settings.syncPeers,
      topicPrefix: settings.syncTopicPrefix,
      ...(options.syncGroupId ? { groupId: options.syncGroupId } : {}),
    });
    await relay.start();
    if (settings.syncPeers.length > 0) await inbox.start();
    sync = { relay, inbox, store: syncStore };
  }
  return {
    settings,
    store,
    readModels,
    vault,
    databaseUrl,
    sync,
    close: async () => {
      await sync?.inbox.stop();
      await sync?.relay.stop();
      await readModels.close();
      await store.close();
      await pool.end();
      await embedded?.stop();
    },
  };
};
