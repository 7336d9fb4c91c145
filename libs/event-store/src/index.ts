export * from './event-store.port';
export * from './errors';
export { PollingSubscription } from './subscription';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres/pglite-server';
export { MemoryEventStore } from './memory/memory-event-store';
export {
  KurrentDbEventStore,
  type KurrentDbEventStoreOptions,
  PRODUCT_STREAM_PREFIXES,
  CLAIM_STREAM_PREFIX,
} from './kurrentdb/kurrentdb-event-store';
export * from './guards/guard-ops';
export type { StoreTransaction } from './postgres/postgres-event-store';
export type { GuardFacts } from './postgres/guard-tables';
export { closePool, waitIdle } from './postgres/close-pool';
export * from './tamper';
