import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { EventStoreError, StreamConflictError } from '../errors';
import type { GuardRules } from '../guards/guard-ops';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreCapabilities,
  GlobalPosition,
  LeafRecord,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { START } from '../event-store.port';
import { PollingSubscription } from '../subscription';
import { closePool, waitIdle } from './close-pool';
import { isPgError, translate, UNIQUE_VIOLATION } from './pg-errors';
import { rebuildGuardTables } from './guard-tables';
import { schemaSql } from './schema';
import { type AppendRow, EVENT_COLUMNS, type EventRow, type StoreTransaction, streamSqlOf, toRecorded } from './postgres-rows';
import { appendStreams, appendWith } from './postgres-appends';
import { runTransaction, StatementNames, type TransactionScope } from './postgres-transaction';
import { leafHashOf } from '../tamper/leaf-hash';

export type { AppendItem, GuardKey, StoreTransaction } from './postgres-rows';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  /** PostgreSQL schema holding the log (default `vaxledger`). */
  readonly schema?: string;
  readonly poolSize?: number;
  /** `pglite` when the server is PGlite behind pglite-socket (one transaction at a time). */
  readonly engine?: 'postgres' | 'pglite';
  /** Milliseconds between polls of a live subscription when nothing new arrived. */
  readonly pollIntervalMs?: number;
  /** Turns each appended event into guard operations (ADR 0011); none: no guard rows kept. */
  readonly guardRules?: GuardRules;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The default event store: PostgreSQL through `pg`. The same code serves the embedded
 * default, PGlite behind pglite-socket, which is the same SQL engine compiled to WASM.
 */
export class PostgresEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities;
  private readonly schema: string;
  private readonly listeners = new Set<() => void>();
  /** The statements transactions prepare by name; not on PGlite (see StatementNames). */
  private readonly statementNames: StatementNames;
  /** The append statements' and transactions' view of this store. */
  private readonly scope: TransactionScope;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.schema = options.schema ?? 'vaxledger';
    const pglite = options.engine === 'pglite';
    this.statementNames = new StatementNames(!pglite);
    this.capabilities = {
      adapter: pglite ? 'pglite' : 'postgres',
      concurrentTransactions: !pglite,
      guards: options.guardRules !== undefined,
    };
    this.scope = {
      schema: this.schema,
      guardRules: options.guardRules,
      pool,
      statementNames: this.statementNames,
      notify: () => this.notify(),
    };
  }

  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'vaxledger';
    if (!SCHEMA_NAME.test(schema)) throw new EventStoreError('INVALID_APPEND', `invalid schema name ${schema}`);
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.poolSize ?? (options.engine === 'pglite' ? 4 : 10),
      application_name: 'vaxledger-event-store',
      // Statements issued together on one connection go out together and are answered in one
      // round trip (a dose's reads, then its writes: StoreTransaction.pipelined). Each keeps its
      // own Sync, so one failing does not swallow the others' answers. PGlite's socket serves one
      // statement at a time, so there the client waits for each answer as before.
      pipeline: options.engine !== 'pglite',
    };
    const pool = new Pool(config);
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on next use.
    });
    const store = new PostgresEventStore(pool, options);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw translate(error, `cannot prepare the event store in schema ${schema}`);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Several processes may start together: one migrates, the others wait.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`vaxledger-migrate-${this.schema}`]);
      try {
        await client.query(schemaSql(this.schema));
        const { rows: server } = await client.query<{ version: string }>('SELECT version() AS version');
        if (server[0]?.version.includes('PGlite')) this.statementNames.enabled = false;
        const rules = this.options.guardRules;
        if (rules) {
          const { rows } = await client.query<{ rules_version: number }>(`SELECT rules_version FROM ${this.schema}.guard_meta`);
          if (rows[0]?.rules_version !== rules.version) await rebuildGuardTables(client, this.schema, rules);
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`vaxledger-migrate-${this.schema}`]);
      }
    } finally {
      client.release();
    }
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    // Two races end in a unique violation rather than in the function's checks: two
    // creators of one stream, and two writers of the same new event id. Re-running the
    // append once turns both into the right answer (conflict, or replay of the first).
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await appendWith(this.scope, (sql, params) => this.pool.query<AppendRow>(sql, params), streamId, events, options);
        if (!result.replayed) this.notify();
        return result;
      } catch (error) {
        if (isPgError(error) && error.code === UNIQUE_VIOLATION && attempt < 2) continue;
        if (isPgError(error) && error.code === UNIQUE_VIOLATION)
          throw new StreamConflictError(streamId, String(options.expected ?? 'any'), null);
        throw translate(error, `append to ${streamId} failed`);
      }
    }
  }

  /**
   * Several streams' appends in one transaction and one commit (see the port), as one call of
   * `append_streams`: the dedupe by event id, the revision checks, the writes and the guard
   * operations of all streams set-based, in one statement (ADR 0027). A call that names a stream
   * or an event id twice takes the one-append-at-a-time path in a transaction instead.
   */
  async appendAll(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (appends.length === 0) return [];
    const streams = new Set(appends.map((a) => a.streamId));
    const ids = new Set(appends.flatMap((a) => a.events.map((e) => e.eventId)));
    const total = appends.reduce((n, a) => n + a.events.length, 0);
    if (streams.size < appends.length || ids.size < total) return this.appendAllOneByOne(appends);
    for (let attempt = 0; ; attempt++) {
      try {
        const results = await appendStreams(this.scope, this.pool, appends, total);
        if (results.some((r) => !r.replayed)) this.notify();
        return results;
      } catch (error) {
        // As in `append`: a concurrent creator of one of the streams, or a concurrent writer of
        // one of the event ids; once more gives the right answer (conflict or replay).
        if (isPgError(error) && error.code === UNIQUE_VIOLATION && attempt < 2) continue;
        if (isPgError(error) && error.code === UNIQUE_VIOLATION)
          throw new StreamConflictError(appends[0]!.streamId, String(appends[0]!.options?.expected ?? 'any'), null);
        throw translate(error, `append to ${appends.length} streams failed`);
      }
    }
  }

  private appendAllOneByOne(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.transaction(async (tx) => {
      const results: AppendResult[] = [];
      for (const a of appends) results.push(await tx.append(a.streamId, a.events, a.options));
      return results;
    });
  }

  /**
   * Runs `work` in one transaction on one connection and commits it (rolls back when it
   * throws). A unique violation (a concurrent creator of the same stream) is a
   * StreamConflictError: the caller re-reads and re-decides, as after any conflict.
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runTransaction(this.scope, work);
  }

  /**
   * Empties the guard tables and replays the whole log through the node's rule (after a rule
   * change, or by hand: `npm run cli -- store rebuild-guards`). Appends that touch the guard
   * tables wait meanwhile (TRUNCATE locks them), so none is lost between the replay and them.
   */
  async rebuildGuards(): Promise<number> {
    const rules = this.options.guardRules;
    if (!rules) return 0;
    const client = await this.pool.connect();
    try {
      return await rebuildGuardTables(client, this.schema, rules);
    } finally {
      client.release();
    }
  }

  async readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    try {
      const { rows } = await this.pool.query<EventRow>(`${streamSqlOf(this.schema)} LIMIT $3`, [
        streamId,
        options.fromRevision ?? 0,
        options.maxCount ?? null,
      ]);
      return rows.map(toRecorded);
    } catch (error) {
      throw translate(error, `read of ${streamId} failed`);
    }
  }

  async readEvents(eventIds: readonly string[]): Promise<RecordedEvent[]> {
    const ids = eventIds.filter((id) => UUID.test(id));
    if (ids.length === 0) return [];
    try {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS}
           FROM ${this.schema}.events WHERE event_id = ANY($1::uuid[]) ORDER BY position`,
        [ids],
      );
      return rows.map(toRecorded);
    } catch (error) {
      throw translate(error, 'read of events by id failed');
    }
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    try {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS}
           FROM ${this.schema}.events
          WHERE position > $1 AND position < ${this.schema}.safe_position_bound()
          ORDER BY position
          LIMIT $2`,
        [after.toString(), limit],
      );
      return rows.map(toRecorded);
    } catch (error) {
      throw translate(error, 'read of the global log failed');
    }
  }

  /**
   * The checkpointer's read (ADR 0023, docs/adr/0028-log-leaves-in-sql.md): PostgreSQL computes
   * each leaf (`log_leaves`, leaf-sql.ts) and sends 64 hex characters instead of the event, so
   * the process hosting the checkpointer neither receives, parses nor hashes the data. An event
   * whose metadata is not an object (never written by this code) is hashed here instead.
   */
  async readLeaves({ after, limit }: ReadAllOptions): Promise<LeafRecord[]> {
    try {
      const { rows } = await this.pool.query<{
        out_position: string;
        out_event_id: string;
        out_stream_id: string;
        out_origin: string | null;
        out_leaf: string | null;
      }>(`SELECT * FROM ${this.schema}.log_leaves($1, $2)`, [after.toString(), limit]);
      const unhashed = rows.filter((row) => row.out_leaf === null).map((row) => row.out_event_id);
      const inNode = new Map((unhashed.length > 0 ? await this.readEvents(unhashed) : []).map((e) => [e.eventId, leafHashOf(e)]));
      return rows.map((row) => {
        const leaf = row.out_leaf ?? inNode.get(row.out_event_id);
        if (leaf === undefined) throw new EventStoreError('STORE_UNAVAILABLE', `event ${row.out_event_id} was not found again to hash it`);
        return {
          eventId: row.out_event_id,
          streamId: row.out_stream_id,
          position: BigInt(row.out_position),
          metadata: row.out_origin === null ? {} : { originProvince: row.out_origin },
          leaf,
        };
      });
    } catch (error) {
      throw translate(error, 'read of the global log failed');
    }
  }

  async headPosition(): Promise<GlobalPosition> {
    try {
      const { rows } = await this.pool.query<{ head: string | null }>(
        `SELECT max(position) AS head FROM ${this.schema}.events WHERE position < ${this.schema}.safe_position_bound()`,
      );
      return rows[0]?.head ? BigInt(rows[0].head) : START;
    } catch (error) {
      throw translate(error, 'read of the log head failed');
    }
  }

  async latestPosition(): Promise<GlobalPosition> {
    try {
      const { rows } = await this.pool.query<{ latest: string | null }>(`SELECT max(position) AS latest FROM ${this.schema}.events`);
      return rows[0]?.latest ? BigInt(rows[0].latest) : START;
    } catch (error) {
      throw translate(error, 'read of the latest position failed');
    }
  }

  async countEvents(after: GlobalPosition, upTo: GlobalPosition): Promise<number> {
    if (upTo <= after) return 0;
    try {
      // An index-only range scan of the primary key: cheap even when a reader is far behind.
      const { rows } = await this.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${this.schema}.events WHERE position > $1 AND position <= $2`,
        [after.toString(), upTo.toString()],
      );
      return Number(rows[0]?.n ?? 0);
    } catch (error) {
      throw translate(error, 'count of the global log failed');
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription(this, options, this.listeners, this.options.pollIntervalMs ?? 50);
  }

  /** A client for callers that must run several statements in one transaction (tests, tools). */
  async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  get schemaName(): string {
    return this.schema;
  }

  /** Resolves when no append or read is using a connection (bounded): see closePool. */
  idle(graceMs = 5000): Promise<void> {
    return waitIdle(this.pool, graceMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await closePool(this.pool);
  }

  wakeSubscriptions(): void {
    this.notify();
  }

  // Wakes this process's live subscriptions at once instead of at their next poll.
  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
