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
