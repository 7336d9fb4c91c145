import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { kafkaClientSecurity, type Settings } from '@vaxledger/config';
import { LOCAL_ONLY_CATEGORIES, STOCK_GUARD_RULES_VERSION, STREAM_CATEGORIES, stockGuardOps } from '@vaxledger/domain';
import {
  closePool,
  type EmbeddedPostgres,
  waitIdle,
  type EventStore,
  loadKurrentDb,
  PostgresEventStore,
  startEmbeddedPostgres,
  type StallReport,
} from '@vaxledger/event-store';
import { PersonVault } from '@vaxledger/privacy';
import { PROJECTIONS, ReadModels } from '@vaxledger/projections';
import {
  EnvelopeSigner,
  forwardTopic,
  HistoryService,
  HUB_PROVINCE,
  HubRouter,
  InboxConsumer,
  OutboxRelay,
  LogCheckpointer,
  SyncStore,
  TrustList,
} from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { AuthStore } from '../auth/auth-store';
import { type ProjectorThread, projectorThreadEntry, startProjectorThread } from './projector-thread';
import { SiteLocks } from './site-locks';
import { NodeActivity } from './node-activity';
import { SyncLease } from './sync-lease';
import { type DataDirLock, lockDataDir } from './data-dir-lock';
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

export interface NodeSync {
  readonly relay: OutboxRelay;
  readonly inbox: InboxConsumer;
  readonly store: SyncStore;
  /** Records from elsewhere on demand (history requests and answers). */
  readonly history: HistoryService;
  /** Only on the national hub (PROVINCE_CODE=000000, SYNC_MODE=hub). */
  readonly hub: HubRouter | null;
  /** Signs this province's log after the fact (ADR 0019); only with a signing key. */
  readonly checkpointer: LogCheckpointer | null;
}

export interface RuntimeOptions {
  /** Schemas, so tests can run several nodes on one database. */
  readonly eventSchema?: string;
  readonly readSchema?: string;
  readonly vaultSchema?: string;
  readonly authSchema?: string;
  /**
   * Run the projector in this process (true, the default), in a worker thread of it
   * ('thread': off the request event loop), or not at all (false: the worker process does).
   * Without an inline projector the runner follows the checkpoints (read-your-writes).
   */
  readonly projector?: boolean | 'thread';
  /** The database engine behind DATABASE_URL when it is not this process's own PGlite (the projector thread). */
  readonly engine?: 'pglite' | 'postgres';
  /**
   * Run the sync relay and consumer in this process when Kafka is configured (default:
   * SYNC_IN_API, on unless set to off). The worker sets it from its role.
   */
  readonly sync?: boolean;
  /**
   * Run the log checkpointer here when no Kafka is configured (with Kafka it goes with the sync
   * role). Default: as `sync` (so the API process, not the CLI or a projector).
   */
  readonly checkpointer?: boolean;
  /** How long to wait for another process's sync to stop before refusing (default 10 s). */
  readonly syncLeaseWaitMs?: number;
  readonly syncSchema?: string;
  /** Kafka consumer group (default <SYNC_TOPIC_PREFIX>-sync-<province>). */
  readonly syncGroupId?: string;
  /** Called after Kafka acknowledged a relayed batch and before its checkpoint is saved (fault tests). */
  readonly onRelayPublished?: (count: number) => void;
  /** Called if another process took this node's DATA_DIR lock (default: exit at once). */
  readonly onDataDirLockLost?: (error: Error) => void;
}

/** Enough to cache a clinic's working set; the file system caches the rest (README, "Start time and memory"). */
const EMBEDDED_SHARED_BUFFERS = '16MB';

const exitOnLockLoss = (error: Error): void => {
  process.stderr.write(`vaxledger: lost the DATA_DIR lock (${error.message}): stopping before two processes share the folder\n`);
  process.exit(1);
};

/**
 * Schema and consumer-group overrides from the environment, so several nodes can share one
 * database (the end-to-end tests, a laptop demo of a federation). Unset: the defaults.
 */
export const runtimeOptionsFromEnv = (env: NodeJS.ProcessEnv = process.env): RuntimeOptions => ({
  ...(env.EVENT_SCHEMA ? { eventSchema: env.EVENT_SCHEMA } : {}),
  ...(env.READ_SCHEMA ? { readSchema: env.READ_SCHEMA } : {}),
  ...(env.VAULT_SCHEMA ? { vaultSchema: env.VAULT_SCHEMA } : {}),
  ...(env.AUTH_SCHEMA ? { authSchema: env.AUTH_SCHEMA } : {}),
  ...(env.SYNC_SCHEMA ? { syncSchema: env.SYNC_SCHEMA } : {}),
  ...(env.SYNC_GROUP_ID ? { syncGroupId: env.SYNC_GROUP_ID } : {}),
});

/** An embedded statement waiting this long behind another connection's open transaction is reported. */
const EMBEDDED_STALL_REPORT_MS = 15_000;
const reportEmbeddedStall = (stall: StallReport): void => {
  process.stderr.write(
    `vaxledger: the embedded database has held statements for ${Math.round(stall.waitedMs / 1000)} s behind an open transaction ` +
      `(a statement on a second connection inside a transaction waits for ever on the embedded engine; please report this). ` +
      `Transaction's last statement: ${stall.holderLastStatement ?? '(none)'}; waiting: ${stall.waiting.join(' | ') || '(no statement text)'}\n`,
  );
};

export const openNodeRuntime = async (settings: Settings, options: RuntimeOptions = {}): Promise<NodeRuntime> => {
  let embedded: EmbeddedPostgres | null = null;
  let dataDirLock: DataDirLock | null = null;
  let databaseUrl = settings.databaseUrl;
  if (!databaseUrl) {
    // One process per DATA_DIR, decided before PGlite opens a file (docs/adr/0014-embedded-key-file-and-lock.md).
    dataDirLock = await lockDataDir(settings.dataDir, options.onDataDirLockLost ?? exitOnLockLoss);
    try {
      embedded = await startEmbeddedPostgres({
        dataDir: join(settings.dataDir, 'pglite'),
        sharedBuffers: EMBEDDED_SHARED_BUFFERS,
        onStall: { afterMs: EMBEDDED_STALL_REPORT_MS, report: reportEmbeddedStall },
      });
    } catch (error) {
      await dataDirLock.release();
      throw error;
    }
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
    readModels.runner.follow();
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
    const kafka = new Kafka({
      clientId: `vaxledger-${settings.provinceCode}`,
      brokers: [...settings.kafkaBrokers],
      logLevel: logLevel.WARN,
      ...kafkaClientSecurity(settings.kafkaSecurity),
    });
    // Signing and checking are each on when configured (both required outside the embedded default).
    const signer = settings.syncSigningKey ? new EnvelopeSigner(settings.syncSigningKey) : null;
    const trustList = settings.syncTrustList ? new TrustList(settings.syncTrustList) : null;
    const syncStore = new SyncStore(pool, options.syncSchema ?? 'sync');
    await syncStore.migrate();
    // Every node publishes its own streams to its own topic. What it reads depends on the mode
    // (ARCHITECTURE.md §3): peer: the partners' topics; hub (the 000000 node): every served
    // province's topic, and it forwards; hub or direct (a province): the hub's forward topic.
    const isHub = settings.provinceCode === HUB_PROVINCE && settings.syncMode === 'hub';
    const viaHub = settings.provinceCode !== HUB_PROVINCE && settings.syncMode !== 'peer';
    const prefix = settings.syncTopicPrefix;
    const relay = new OutboxRelay(kafka, store, syncStore, {
      provinceCode: settings.provinceCode,
      topicPrefix: settings.syncTopicPrefix,
      ...(signer ? { signer } : {}),
      onPublished: (count) => {
        activity.emit('syncMessages', 'out', count);
        options.onRelayPublished?.(count);
      },
    });
    const inbox = new InboxConsumer(kafka, store, syncStore, {
      provinceCode: settings.provinceCode,
      origins: viaHub ? [] : settings.syncPeers,
      topicPrefix: settings.syncTopicPrefix,
      ...(viaHub ? { topics: [forwardTopic(settings.provinceCode, prefix)] } : {}),
      ...(options.syncGroupId ? { groupId: options.syncGroupId } : {}),
      ...(trustList ? { trustList } : {}),
      onReceived: (count) => activity.emit('syncMessages', 'in', count),
      onDeadLetter: (reason) => activity.emit('syncDeadLetter', reason),
    });
    await relay.start();
    if (viaHub || settings.syncPeers.length > 0) await inbox.start();
    const hub = isHub
      ? new HubRouter(kafka, syncStore, {
          served: settings.syncPeers,
          topicPrefix: prefix,
          ...(options.syncGroupId ? { groupId: `${options.syncGroupId}-hub-router` } : {}),
        })
      : null;
    await hub?.start();
    const history = new HistoryService(
      kafka,
      store,
      syncStore,
      relay,
      {
        provinceCode: settings.provinceCode,
        mode: isHub ? 'hub' : viaHub ? 'via-hub' : 'peer',
        peers: settings.syncPeers,
        topicPrefix: prefix,
        ...(options.syncGroupId ? { groupId: `${options.syncGroupId}-history` } : {}),
      },
      hub,
    );
    await history.start();
    // Off the append path: reads the committed log behind the appends and signs it (ADR 0019).
    const checkpointer = signer
      ? new LogCheckpointer(store, {
          provinceCode: settings.provinceCode,
          signer,
          everyEvents: settings.logCheckpoint.everyEvents,
          everyMs: settings.logCheckpoint.intervalMs,
          onError: (error) => activity.emit('logCheckpointFailed', error),
        })
      : null;
    checkpointer?.start();
    sync = { relay, inbox, store: syncStore, history, hub, checkpointer };
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
    databaseUrl,
    activity,
    sync,
    logSigningKey,
    checkpointer,
    close: async () => {
      await checkpointer?.stop();
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
