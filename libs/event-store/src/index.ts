export * from './event-store.port';
export * from './errors';
export { PollingSubscription } from './subscription';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { startEmbeddedPostgres, statementText, type EmbeddedPostgres, type StallReport } from './postgres/pglite-server';
export { MemoryEventStore } from './memory/memory-event-store';
import type { KurrentDbEventStore as KurrentDbEventStoreClass } from './kurrentdb/kurrentdb-event-store';
export type { KurrentDbEventStore, KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store';
export type { GuardUpkeepReport } from './kurrentdb/kurrentdb-guards';
/**
 * The KurrentDB adapter, loaded when a node first asks for it: its gRPC client and protobuf
 * code cost a start ~0.3 s and ~6 MB that a node on PostgreSQL (every clinic) never needs.
 */
export const loadKurrentDb = async (): Promise<{ KurrentDbEventStore: typeof KurrentDbEventStoreClass }> =>
  import('./kurrentdb/kurrentdb-event-store');
export * from './guards/guard-ops';
export type { AppendItem, GuardKey, StoreTransaction } from './postgres/postgres-event-store';
export type { GuardFacts } from './postgres/guard-tables';
export { closePool, waitIdle } from './postgres/close-pool';
export * from './tamper';
