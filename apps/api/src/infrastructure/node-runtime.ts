import type { KeyObject } from 'node:crypto';
import type { Settings } from '@vaxledger/config';
import { LOCAL_ONLY_CATEGORIES, STOCK_GUARD_RULES_VERSION, STREAM_CATEGORIES, stockGuardOps } from '@vaxledger/domain';
import { closePool, type EmbeddedPostgres, waitIdle, type EventStore, loadKurrentDb, PostgresEventStore } from '@vaxledger/event-store';
import { PersonVault } from '@vaxledger/privacy';
import { PROJECTIONS, ReadModels } from '@vaxledger/projections';
import { EnvelopeSigner, LogCheckpointer } from '@vaxledger/sync';
import { Pool } from 'pg';
import { AuthStore } from '../auth/auth-store';
import { type ProjectorThread, projectorThreadEntry, startProjectorThread } from './projector-thread';
import { AdvisoryLocks } from './advisory-locks';
import { SiteLocks } from './site-locks';
import { NodeActivity } from './node-activity';
import { SyncLease } from './sync-lease';
import type { DataDirLock } from './data-dir-lock';
import { startEmbeddedEngine } from './embedded-engine';
import { type NodeSync, startNodeSync } from './node-sync';
import type { RuntimeOptions } from './runtime-options';
import { openVaultMasterKey } from './vault-master-key';
import { openLogSigningKey } from './log-signing-key';
import { vaultErasureProjection } from '../features/persons/vault-erasure.projection';

/**
 * Everything a node runs on, opened once: the event store, the read models and their
 * projector, and the person vault. On the embedded default, PGlite is started first in
 * DATA_DIR and everything talks to it through the ordinary pg driver.
 */
export interface NodeRuntime {
  /** The settings, with the vault master key the node actually runs with. */
  readonly settings: Settings & { readonly vaultMasterKey: Buffer };
  readonly store: EventStore;
  readonly readModels: ReadModels;
  readonly vault: PersonVault;
  /** API keys and person-record grants (apps/api/src/auth). */
  readonly auth: AuthStore;
  /** Serialises dose capture per site across API replicas (ADR 0004). */
  readonly siteLocks: SiteLocks;
  /** Locks of another kind (`namespace`) held across the node's API processes, on the same lock connections. */
  readonly advisoryLocks: (namespace: number) => AdvisoryLocks;
  readonly databaseUrl: string;
  /** Appends and sync traffic of this process, for the metrics (apps/api/src/infrastructure/metrics.ts). */
  readonly activity: NodeActivity;
  /** Present when KAFKA_BROKERS is set and the sync role runs in this process. */
  readonly sync: NodeSync | null;
  /**
   * The key this node signs its log checkpoints with: SYNC_SIGNING_KEY, or on the embedded
   * default DATA_DIR/sync-signing.key (log-signing-key.ts); null = none, no checkpoints.
   */
  readonly logSigningKey: KeyObject | null;
  /**
   * Signs this province's log after the fact (ADR 0019) when it runs in this process: with the
   * sync role (`sync.checkpointer`), or, when no Kafka is configured and so no sync process
   * runs it, in the process that would have run sync (the API on the embedded default).
   */
  readonly checkpointer: LogCheckpointer | null;
  close(): Promise<void>;
}

export const openNodeRuntime = async (settings: Settings, options: RuntimeOptions = {}): Promise<NodeRuntime> => {
  let embedded: EmbeddedPostgres | null = null;
  let dataDirLock: DataDirLock | null = null;
  let databaseUrl = settings.databaseUrl;
  if (!databaseUrl) {
    const started = await startEmbeddedEngine(settings.dataDir, options.onDataDirLockLost);
    embedded = started.embedded;
    dataDirLock = started.dataDirLock;
    databaseUrl = embedded.url;
  }
  const engine = options.engine ?? (embedded ? 'pglite' : 'postgres');
  // The log is in PostgreSQL, or in KurrentDB (EVENT_STORE=kurrentdb); read models, the vault,
  // idempotency and sync state stay in PostgreSQL (DATABASE_URL or the embedded PGlite).
  const activity = new NodeActivity(settings.provinceCode);
  let store: EventStore;
  try {
    store =
      settings.eventStore === 'kurrentdb'
        ? await (
            await loadKurrentDb()
          ).KurrentDbEventStore.connect({
            connectionString: settings.kurrentdbUrl ?? '',
            streamPrefixes: [...STREAM_CATEGORIES, ...LOCAL_ONLY_CATEGORIES].map((c) => `${c}-`),
            // Stock, unit and hold rows in PostgreSQL, reserved by event id before each append (ADR 0029).
            ...(settings.kurrentdbGuards
              ? {
                  guards: {
                    connectionString: databaseUrl,
                    schema: options.eventSchema ?? 'vaxledger',
                    rules: { version: STOCK_GUARD_RULES_VERSION, opsFor: stockGuardOps },
                    poolSize: engine === 'pglite' ? 2 : 8,
                    retainAppliedMs: settings.kurrentdbGuardRetentionDays > 0 ? settings.kurrentdbGuardRetentionDays * 86_400_000 : null,
                    onUpkeep: (report) => activity.emit('guardUpkeep', report),
                  },
                }
              : {}),
          })
        : await PostgresEventStore.connect({
            connectionString: databaseUrl,
            schema: options.eventSchema ?? 'vaxledger',
            engine,
            poolSize: engine === 'pglite' ? 4 : 16,
            pollIntervalMs: settings.logPollMs,
            // Stock, unit and hold rows kept in every append's transaction (ADR 0011).
            guardRules: { version: STOCK_GUARD_RULES_VERSION, opsFor: stockGuardOps },
          });
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    await dataDirLock?.release();
    throw error;
  }
  store = activity.observe(store);
  const pool = new Pool({ connectionString: databaseUrl, max: engine === 'pglite' ? 4 : 16 });
  // Site locks hold a connection for a whole command whose own queries use the other pools:
  // sharing one pool would let enough busy sites take every connection and wait forever.
  const lockPool = engine === 'pglite' ? null : new Pool({ connectionString: databaseUrl, max: 8 });
  lockPool?.on('error', () => undefined);
  // An idle connection that drops is replaced on next use; it must not crash the process.
  pool.on('error', () => undefined);
  let vaultMasterKey: Buffer;
  let logSigningKey: KeyObject | null;
  try {
    vaultMasterKey = await openVaultMasterKey(settings, pool, options.vaultSchema ?? 'vault');
    logSigningKey = openLogSigningKey(settings, embedded !== null);
  } catch (error) {
    await Promise.allSettled([store.close(), pool.end(), lockPool?.end()]);
    await embedded?.stop().catch(() => undefined);
    await dataDirLock?.release();
    throw error;
  }
  const vault = new PersonVault(pool, vaultMasterKey, options.vaultSchema ?? 'vault');
  await vault.migrate();
  // Beside the read models, the projector applies erasures (own and received) to the vault.
  const readModels = await ReadModels.open(
    store,
    { connectionString: databaseUrl, schema: options.readSchema ?? 'readmodel', poolSize: engine === 'pglite' ? 4 : 16 },
    [...PROJECTIONS, vaultErasureProjection(vault, settings.provinceCode)],
  );
  const auth = new AuthStore(pool, options.authSchema ?? 'auth');
  await auth.migrate();
  let projectorThread: ProjectorThread | null = null;
  const threadEntry = options.projector === 'thread' ? projectorThreadEntry() : null;
  if (options.projector === true || options.projector === undefined || (options.projector === 'thread' && !threadEntry)) {
    // From sources (tests) there is no compiled thread entry: the projector runs inline.
    readModels.runner.start();
  } else {
    readModels.runner.follow(10, () => projectorThread?.wake());
    if (threadEntry)
      projectorThread = await startProjectorThread(
        threadEntry,
        {
          databaseUrl,
          engine,
          vaultMasterKey: vaultMasterKey.toString('base64'),
          eventSchema: options.eventSchema,
          readSchema: options.readSchema,
          vaultSchema: options.vaultSchema,
          authSchema: options.authSchema,
        },
        (reason) => {
          // Without a projector nothing would ever catch up: run it here rather than stall.
          process.stderr.write(`vaxledger: the projector thread died (${reason}); running the projector in the API process\n`);
          readModels.runner.start();
        },
        () => readModels.runner.checkNow(),
      );
  }
  let sync: NodeSync | null = null;
  let syncLease: SyncLease | null = null;
  if (settings.kafkaBrokers.length > 0 && (options.sync ?? settings.syncInApi)) {
    // PGlite is one process anyway; on a server, only one process of the node may run sync.
    if (!embedded)
      syncLease = await SyncLease.acquire(
        databaseUrl,
        `province ${settings.provinceCode}, topic prefix ${settings.syncTopicPrefix}, schema ${options.syncSchema ?? 'sync'}`,
        options.syncLeaseWaitMs,
      ).catch(async (error: unknown) => {
        await readModels.close();
        await store.close();
        await pool.end();
        await lockPool?.end();
        throw error;
      });
    sync = await startNodeSync(settings, options, { store, pool, activity });
  }
  // Without Kafka no sync process exists to sign the log: the process that would run sync does
  // it (the embedded default's API). Off the append path all the same: it reads behind the writers.
  let checkpointer = sync?.checkpointer ?? null;
  if (settings.kafkaBrokers.length === 0 && logSigningKey && (options.checkpointer ?? options.sync ?? settings.syncInApi)) {
    checkpointer = new LogCheckpointer(store, {
      provinceCode: settings.provinceCode,
      signer: new EnvelopeSigner(logSigningKey),
      everyEvents: settings.logCheckpoint.everyEvents,
      everyMs: settings.logCheckpoint.intervalMs,
      onError: (error) => activity.emit('logCheckpointFailed', error),
    });
    checkpointer.start();
  }
  return {
    settings: { ...settings, vaultMasterKey },
    store,
    readModels,
    vault,
    auth,
    siteLocks: new SiteLocks(lockPool),
    advisoryLocks: (namespace) => new AdvisoryLocks(lockPool, namespace),
    databaseUrl,
    activity,
    sync,
    logSigningKey,
    checkpointer,
    close: async () => {
      // What this node wrote is signed before it goes (bounded), not left to the next start.
      await checkpointer?.stop({ signPending: true });
      await sync?.history.stop();
      await sync?.hub?.stop();
      await sync?.inbox.stop();
      await sync?.relay.stop();
      await syncLease?.release();
      // Commands still in flight finish first (every pool keeps serving until idle, bounded):
      // ending a pg pool outright strands whoever waits for a connection, and with them the
      // connections (and advisory locks) they already hold. Commands waiting for the
      // projector are answered at once by its stop.
      await projectorThread?.stop();
      await readModels.runner.stop();
      const readPool = (readModels.dataSource.driver as unknown as { master?: Pool }).master;
      await Promise.all([
        store instanceof PostgresEventStore ? store.idle() : Promise.resolve(),
        waitIdle(pool),
        lockPool ? waitIdle(lockPool) : Promise.resolve(),
        readPool ? waitIdle(readPool) : Promise.resolve(),
      ]);
      await readModels.close();
      await store.close();
      await closePool(pool);
      if (lockPool) await closePool(lockPool);
      await embedded?.stop();
      await dataDirLock?.release();
    },
  };
};
