import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Pool, type PoolClient, type PoolConfig, type QueryResult, type QueryResultRow } from 'pg';
import { EventIdConflictError, EventStoreError, GuardViolationError, StreamConflictError } from '../errors';
import type { GuardEnforcement, GuardOp, GuardRules } from '../guards/guard-ops';
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
import { readGuardFacts, readGuardFactsMany, rebuildGuardTables } from './guard-tables';
import { schemaSql } from './schema';
import {
  type AppendItem,
  appendedOf,
  type AppendRow,
  checkAppendSize,
  EVENT_COLUMNS,
  type EventRow,
  kindOf,
  type StoreTransaction,
  streamConflictOf,
  toRecorded,
} from './postgres-rows';
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

/** At most this many distinct statement texts are prepared per connection by transactions. */
const PREPARED_STATEMENTS = 64;

/**
 * The default event store: PostgreSQL through `pg`. The same code serves the embedded
 * default, PGlite behind pglite-socket, which is the same SQL engine compiled to WASM.
 */
export class PostgresEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities;
  private readonly schema: string;
  private readonly listeners = new Set<() => void>();
  /** Names of the statements transactions prepare once per connection (see `preparedName`). */
  private readonly prepared = new Map<string, string>();
  /**
   * Whether statements are prepared by name on each connection: not on PGlite, where every
   * socket connection shares the one backend session, so a name one connection prepared already
   * exists for the next (found at connect from the server's version, whatever `engine` says).
   */
  private namedStatements: boolean;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.schema = options.schema ?? 'vaxledger';
    const pglite = options.engine === 'pglite';
    this.namedStatements = !pglite;
    this.capabilities = {
      adapter: pglite ? 'pglite' : 'postgres',
      concurrentTransactions: !pglite,
      guards: options.guardRules !== undefined,
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
        if (server[0]?.version.includes('PGlite')) this.namedStatements = false;
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
        const result = await this.appendWith((sql, params) => this.pool.query<AppendRow>(sql, params), streamId, events, options);
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
        const results = await this.appendStreams(appends, total);
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

  private async appendStreams(appends: readonly StreamAppend[], total: number): Promise<AppendResult[]> {
    for (const a of appends) checkAppendSize(a.events.length);
    checkAppendSize(total);
    const kinds = appends.map((a) => kindOf(a.options?.expected ?? 'any'));
    const sidx: number[] = [];
    const events: NewEvent[] = [];
    for (const [k, a] of appends.entries()) {
      for (const e of a.events) {
        sidx.push(k + 1);
        events.push(e);
      }
    }
    const guards = appends.map((a) => this.guardOps(a.streamId, a.events));
    const anyGuards = guards.some((g) => g !== null);
    const params = [
      appends.map((a) => a.streamId),
      kinds.map(([kind]) => kind),
      kinds.map(([, expected]) => expected),
      appends.map((a) => a.events.length),
      sidx,
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
      anyGuards ? guards.map((g) => (g ? JSON.stringify(g) : null)) : null,
      anyGuards ? appends.map((a, k) => (guards[k] && a.options?.enforceGuards ? JSON.stringify(a.options.enforceGuards) : null)) : null,
    ];
    const { rows } = await this.pool.query<AppendRow & { out_index: number }>(
      `SELECT out_index, out_status, out_revision, out_position, out_actual
         FROM ${this.schema}.append_streams($1::text[], $2::int[], $3::bigint[], $4::int[], $5::int[], $6::uuid[], $7::text[],
                                            $8::int[], $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::jsonb[])`,
      params,
    );
    if (rows.length !== appends.length) throw new EventStoreError('INVALID_APPEND', 'append returned no result');
    // The first stream that failed, in argument order, is the one reported (as the one-by-one path would).
    for (const [k, row] of rows.entries()) {
      const a = appends[k]!;
      if (row.out_status === 2)
        throw new EventIdConflictError(await this.firstConflictingId((sql, p) => this.pool.query(sql, p), a.events, a.streamId));
      if (row.out_status === 3) throw streamConflictOf(a.streamId, a.options, row);
    }
    return rows.map((row, k) => appendedOf(appends[k]!.streamId, appends[k]!.events, row));
  }

  /** The guard operations of these events under the node's rule (null: none to keep). */
  private guardOps(streamId: string, events: readonly NewEvent[]): GuardOp[] | null {
    const rules = this.options.guardRules;
    if (!rules) return null;
    const ops: GuardOp[] = [];
    for (const e of events) ops.push(...rules.opsFor({ type: e.type, streamId, data: e.data, metadata: e.metadata }));
    return ops.length > 0 ? ops : null;
  }

  private async appendWith(
    run: (sql: string, params: unknown[]) => Promise<{ rows: AppendRow[] }>,
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    checkAppendSize(events.length);
    const [kind, expectedRevision] = kindOf(options.expected ?? 'any');
    const ops = this.guardOps(streamId, events);
    const enforce: GuardEnforcement | null = ops && options.enforceGuards ? options.enforceGuards : null;
    const params = [
      streamId,
      kind,
      expectedRevision,
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
      ops ? JSON.stringify(ops) : null,
      enforce ? JSON.stringify(enforce) : null,
    ];
    const sql = `SELECT out_status, out_revision, out_position, out_actual
                   FROM ${this.schema}.append_events($1, $2, $3, $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::jsonb, $10::jsonb)`;
    const { rows } = await run(sql, params);
    const row = rows[0];
    if (!row) throw new EventStoreError('INVALID_APPEND', 'append returned no result');
    switch (row.out_status) {
      case 0:
      case 1:
        return appendedOf(streamId, events, row);
      case 2:
        throw new EventIdConflictError(await this.firstConflictingId(run, events, streamId));
      default:
        throw streamConflictOf(streamId, options, row);
    }
  }

  /**
   * Many appends in one statement (append_each): each item is checked and guarded as `append`
   * would, in a subtransaction of its own, so a refused item costs the others nothing.
   */
  private async appendEachWith(client: PoolClient, items: readonly AppendItem[]): Promise<(AppendResult | Error)[]> {
    if (items.length === 0) return [];
    const payload = items.map(({ streamId, events, options = {} }) => {
      checkAppendSize(events.length);
      const [kind, expected] = kindOf(options.expected ?? 'any');
      const ops = this.guardOps(streamId, events);
      return {
        stream: streamId,
        kind,
        expected,
        ids: events.map((e) => e.eventId),
        types: events.map((e) => e.type),
        versions: events.map((e) => e.schemaVersion),
        data: events.map((e) => e.data),
        meta: events.map((e) => e.metadata),
        guards: ops,
        enforce: ops && options.enforceGuards ? options.enforceGuards : null,
      };
    });
    const { rows } = await client.query<AppendRow & { out_ord: number; out_rule: string | null; out_subject: string | null }>(
      `SELECT out_ord, out_status, out_revision, out_position, out_actual, out_rule, out_subject FROM ${this.schema}.append_each($1::jsonb)`,
      [JSON.stringify(payload)],
    );
    const out: (AppendResult | Error)[] = items.map(
      (item) => new EventStoreError('INVALID_APPEND', `append to ${item.streamId} returned no result`),
    );
    for (const row of rows) {
      const { streamId, events, options } = items[row.out_ord - 1]!;
      switch (row.out_status) {
        case 0:
        case 1:
          out[row.out_ord - 1] = appendedOf(streamId, events, row);
          break;
        case 2:
          out[row.out_ord - 1] = new EventIdConflictError(events[0]!.eventId);
          break;
        case 4:
          out[row.out_ord - 1] = new GuardViolationError(row.out_rule ?? 'GUARD_VIOLATION', row.out_subject ?? '');
          break;
        default:
          out[row.out_ord - 1] = streamConflictOf(streamId, options, row);
      }
    }
    return out;
  }

  /**
   * Runs `work` in one transaction on one connection and commits it (rolls back when it
   * throws). A unique violation (a concurrent creator of the same stream) is a
   * StreamConflictError: the caller re-reads and re-decides, as after any conflict.
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error, 'cannot open a transaction');
    }
    let appended = false;
    let broken: Error | undefined;
    const pipelined = (client as { pipeline?: boolean }).pipeline === true;
    // Pipelined, statements issued in one go leave in one write (corked socket) and are answered
    // in one round trip; BEGIN goes out with the transaction's first statements.
    const socket = pipelined ? (client as unknown as { connection?: { stream?: Duplex } }).connection?.stream : undefined;
    const together = <R>(issue: () => R): R => {
      if (!socket) return issue();
      socket.cork();
      try {
        return issue();
      } finally {
        socket.uncork();
      }
    };
    // BEGIN's answer arrives before those of the statements sent with it, so a failed BEGIN is
    // known before any statement issued after their answers (every write: a write needs the
    // reads' answers first) and stops it; the reads sent with it ran harmlessly on their own.
    let beginFailed: unknown = null;
    let beginAnswered = false;
    // A command's statements are the same few texts over and over: on PostgreSQL each is parsed
    // and planned once per connection (a named statement) instead of at every execution.
    const run = <R extends QueryResultRow>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> => {
      const name = pipelined ? this.preparedName(sql) : undefined;
      return client.query<R>(name ? { name, text: sql, values: params as unknown[] } : { text: sql, values: params as unknown[] });
    };
    const inTransaction = (): void => {
      if (beginFailed) throw translate(beginFailed, 'cannot open a transaction');
    };
    const tx: StoreTransaction = {
      pipelined,
      together,
      query: async <R extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) => {
        inTransaction();
        return (await run<R>(sql, params)).rows;
      },
      readStream: async (streamId) => (await run<EventRow>(`${this.streamSql} LIMIT NULL`, [streamId, 0])).rows.map(toRecorded),
      guardFacts: (site, batchId, traceCode) => readGuardFacts({ query: run }, this.schema, site, batchId, traceCode),
      guardFactsMany: (keys) => {
        inTransaction();
        return readGuardFactsMany(client, this.schema, keys);
      },
      readStreams: async (streamIds) => {
        inTransaction();
        const streams = new Map<string, RecordedEvent[]>(streamIds.map((id) => [id, []]));
        if (streamIds.length === 0) return streams;
        const { rows } = await client.query<EventRow>(
          `SELECT ${EVENT_COLUMNS}
             FROM ${this.schema}.events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision`,
          [[...new Set(streamIds)]],
        );
        for (const row of rows) streams.get(row.stream_id)?.push(toRecorded(row));
        return streams;
      },
      appendEach: async (items) => {
        // Writes, so never outside the transaction: wait for BEGIN's answer first (as append does).
        if (!beginAnswered) await began;
        inTransaction();
        try {
          const results = await this.appendEachWith(client, items);
          appended ||= results.some((r) => !(r instanceof Error) && !r.replayed);
          return results;
        } catch (error) {
          throw translate(error, 'appends failed');
        }
      },
      append: async (streamId, events, options = {}) => {
        // Never an append outside the transaction (an append as its first statement waits for BEGIN).
        if (!beginAnswered) await began;
        inTransaction();
        try {
          const result = await this.appendWith((sql, params) => run<AppendRow>(sql, params), streamId, events, options);
          appended ||= !result.replayed;
          return result;
        } catch (error) {
          if (isPgError(error) && error.code === UNIQUE_VIOLATION)
            throw new StreamConflictError(streamId, String(options.expected ?? 'any'), null);
          throw translate(error, `append to ${streamId} failed`);
        }
      },
    };
    const begin = (): Promise<void> =>
      client.query('BEGIN').then(
        () => {
          beginAnswered = true;
        },
        (error: unknown) => {
          beginAnswered = true;
          beginFailed = error;
        },
      );
    let began: Promise<void> = Promise.resolve();
    try {
      let working: Promise<T>;
      if (pipelined) {
        working = together(() => {
          began = begin();
          try {
            return work(tx);
          } catch (error) {
            return Promise.reject(error as Error);
          }
        });
      } else {
        began = begin();
        await began;
        inTransaction();
        working = work(tx);
      }
      const result = await working;
      await began;
      inTransaction();
      await client.query('COMMIT');
      if (appended) this.notify();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw translate(error, 'transaction failed');
    } finally {
      client.release(broken ?? false);
    }
  }

  /**
   * The name a transaction's statement is prepared under on each connection, from its text;
   * undefined (run unnamed, as before) once PREPARED_STATEMENTS texts have names, so texts
   * built with varying parts cannot fill the connections' memory with prepared statements.
   */
  private preparedName(sql: string): string | undefined {
    if (!this.namedStatements) return undefined;
    let name = this.prepared.get(sql);
    if (name === undefined && this.prepared.size < PREPARED_STATEMENTS) {
      name = `vx_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      this.prepared.set(sql, name);
    }
    return name;
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

  // On the append's own connection: in a transaction on PGlite (one session) another would wait forever.
  private async firstConflictingId(
    run: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>,
    events: readonly NewEvent[],
    streamId: string,
  ): Promise<string> {
    const { rows } = (await run(`SELECT event_id, stream_id, type, data FROM ${this.schema}.events WHERE event_id = ANY($1::uuid[])`, [
      events.map((e) => e.eventId),
    ])) as { rows: { event_id: string; stream_id: string; type: string; data: unknown }[] };
    for (const e of events) {
      const stored = rows.find((r) => r.event_id === e.eventId);
      if (stored && (stored.stream_id !== streamId || stored.type !== e.type)) return e.eventId;
      if (stored && JSON.stringify(stored.data) !== JSON.stringify(e.data)) return e.eventId;
    }
    return events.find((e) => rows.some((r) => r.event_id === e.eventId))?.eventId ?? events[0]!.eventId;
  }

  private get streamSql(): string {
    return `SELECT ${EVENT_COLUMNS}
              FROM ${this.schema}.events
             WHERE stream_id = $1 AND revision >= $2
             ORDER BY revision`;
  }

  async readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    try {
      const { rows } = await this.pool.query<EventRow>(`${this.streamSql} LIMIT $3`, [
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

  // Wakes this process's live subscriptions at once instead of at their next poll.
  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
