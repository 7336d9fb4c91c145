import { EventStoreError, StreamConflictError } from '../errors';
import type { AppendOptions, AppendResult, ExpectedRevision, NewEvent, RecordedEvent } from '../event-store.port';
import { MAX_EVENTS_PER_TRANSACTION } from './schema';
import type { GuardFacts } from './guard-tables';

// The PostgreSQL adapter's row shapes and their mapping, and the handle of a command's
// transaction (postgres-event-store.ts, postgres-appends.ts and postgres-transaction.ts use
// them; the port's types stay engine-free).

/**
 * One PostgreSQL transaction a command runs in: its reads, its side writes (vault, grants,
 * idempotency) through `query`, and its append with the guards, committed together.
 */
export interface StoreTransaction {
  /**
   * True when statements issued without awaiting each other go out together and come back in
   * one round trip (PostgreSQL). Independent reads (and independent writes) are then best issued
   * at once; on PGlite they would only queue, so there they are awaited one by one.
   */
  readonly pipelined?: boolean;
  /**
   * Calls `issue` and sends every statement it starts synchronously in one write to the server
   * (where pipelined; elsewhere it only calls `issue`). Returns what `issue` returns.
   */
  together?<R>(issue: () => R): R;
  /**
   * Ends the transaction with its last statements: the statements `issue` starts go out with
   * the COMMIT (one write and one round trip where pipelined, instead of one for the statements
   * and another for the COMMIT). Resolves with what `issue`'s promise resolves to once the
   * COMMIT is answered; rejects with `issue`'s failure, and then nothing is committed
   * (PostgreSQL answers a COMMIT after a failed statement by rolling back).
   *
   * `issue` must start every statement it will ever start before it returns, each at once (no
   * statement started after an await): a statement started after the COMMIT went out is refused
   * with a LateStatementError and never runs. Nothing may run in the transaction afterwards.
   * Where statements are not pipelined (PGlite) it awaits `issue`, then commits.
   */
  commitWith?<R>(issue: () => Promise<R>): Promise<R>;
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  readStream(streamId: string): Promise<RecordedEvent[]>;
  guardFacts(site: string, batchId: string, traceCode: string | null): Promise<GuardFacts>;
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Several streams' events, in order: one round trip (bulk loads). */
  readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>>;
  /** `guardFacts` of many (site, batch, unit) at once, in the order asked. */
  guardFactsMany(keys: readonly GuardKey[]): Promise<GuardFacts[]>;
  /**
   * Many appends in one round trip, each all-or-nothing on its own: an item refused by a guard
   * or a revision check answers its error and leaves the others (and the transaction) intact.
   */
  appendEach(items: readonly AppendItem[]): Promise<(AppendResult | Error)[]>;
}

export interface GuardKey {
  readonly site: string;
  readonly batchId: string;
  readonly traceCode: string | null;
}

export interface AppendItem {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly options?: AppendOptions;
}

export interface AppendRow {
  out_status: number;
  out_revision: string | null;
  out_position: string | null;
  out_actual: string | null;
}

export interface EventRow {
  position: string;
  event_id: string;
  stream_id: string;
  revision: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

export const kindOf = (expected: ExpectedRevision): [number, string | null] => {
  if (expected === 'any') return [0, null];
  if (expected === 'no-stream') return [1, null];
  if (expected === 'stream-exists') return [2, null];
  return [3, String(expected)];
};

export const toRecorded = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  type: row.type,
  schemaVersion: row.schema_version,
  data: row.data,
  metadata: row.metadata,
  streamId: row.stream_id,
  revision: Number(row.revision),
  position: BigInt(row.position),
  recordedAt: row.recorded_at,
});

/** The columns an event row is read with (`toRecorded`). */
export const EVENT_COLUMNS = 'position, event_id, stream_id, revision, type, schema_version, data, metadata, recorded_at';

/** A stream's events from a revision on, in order; the caller appends its `LIMIT`. */
export const streamSqlOf = (schema: string): string => `SELECT ${EVENT_COLUMNS}
              FROM ${schema}.events
             WHERE stream_id = $1 AND revision >= $2
             ORDER BY revision`;

/** What every append path refuses before asking the database: no events, or too many for one transaction. */
export const checkAppendSize = (events: number): void => {
  if (events === 0) throw new EventStoreError('INVALID_APPEND', 'append needs at least one event');
  if (events >= MAX_EVENTS_PER_TRANSACTION)
    throw new EventStoreError('INVALID_APPEND', `at most ${MAX_EVENTS_PER_TRANSACTION - 1} events per append`);
};

/** An append's answer row with status 0 (appended) or 1 (replay of the same events). */
export const appendedOf = (streamId: string, events: readonly NewEvent[], row: AppendRow): AppendResult => ({
  streamId,
  revision: Number(row.out_revision),
  position: BigInt(row.out_position ?? 0),
  eventIds: events.map((e) => e.eventId),
  replayed: row.out_status === 1,
});

/** An append's answer row with status 3: the stream is not at the revision expected. */
export const streamConflictOf = (streamId: string, options: AppendOptions | undefined, row: AppendRow): StreamConflictError =>
  new StreamConflictError(streamId, String(options?.expected ?? 'any'), row.out_actual === null ? null : Number(row.out_actual));
