import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { StoreUnavailableError, StreamConflictError } from '../errors';
import type { RecordedEvent } from '../event-store.port';
import { isPgError, translate, UNIQUE_VIOLATION } from './pg-errors';
import { readGuardFacts, readGuardFactsMany } from './guard-tables';
import { type AppendRow, EVENT_COLUMNS, type EventRow, type StoreTransaction, streamSqlOf, toRecorded } from './postgres-rows';
import { appendEachWith, type AppendScope, appendWith } from './postgres-appends';

// PostgresEventStore.transaction: one connection, BEGIN … COMMIT, and the StoreTransaction
// handle a command reads and appends through (pipelined on PostgreSQL, one by one on PGlite).

/** At most this many distinct statement texts are prepared per connection by transactions. */
const PREPARED_STATEMENTS = 64;

/** Names of the statements transactions prepare once per connection (see `nameOf`). */
export class StatementNames {
  private readonly prepared = new Map<string, string>();

  /**
   * @param enabled Whether statements are prepared by name on each connection: not on PGlite,
   * where every socket connection shares the one backend session, so a name one connection
   * prepared already exists for the next (found at connect from the server's version, whatever
   * `engine` says).
   */
  constructor(public enabled: boolean) {}

  /**
   * The name a transaction's statement is prepared under on each connection, from its text;
   * undefined (run unnamed, as before) once PREPARED_STATEMENTS texts have names, so texts
   * built with varying parts cannot fill the connections' memory with prepared statements.
   */
  nameOf(sql: string): string | undefined {
    if (!this.enabled) return undefined;
    let name = this.prepared.get(sql);
    if (name === undefined && this.prepared.size < PREPARED_STATEMENTS) {
      name = `vx_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      this.prepared.set(sql, name);
    }
    return name;
  }
}

/**
 * A statement a transaction was asked to run after its COMMIT went out (StoreTransaction.commitWith):
 * a defect in the caller, refused so that the statement never runs outside the transaction.
 */
export class LateStatementError extends Error {
  constructor(sql: string) {
    super(`a statement was started after the transaction's COMMIT was sent, and was not run: ${sql.trim().slice(0, 60)}`);
    this.name = 'LateStatementError';
  }
}

/** What a transaction needs from the store: its pool, statement names and live subscriptions. */
export interface TransactionScope extends AppendScope {
  readonly pool: Pool;
  readonly statementNames: StatementNames;
  /** Wakes the store's live subscriptions (called after a commit that appended). */
  notify(): void;
}

/**
 * Runs `work` in one transaction on one connection and commits it (rolls back when it
 * throws). A unique violation (a concurrent creator of the same stream) is a
 * StreamConflictError: the caller re-reads and re-decides, as after any conflict.
 */
export const runTransaction = async <T>(scope: TransactionScope, work: (tx: StoreTransaction) => Promise<T>): Promise<T> => {
  let client: PoolClient;
  try {
    client = await scope.pool.connect();
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
    // Never a statement after the COMMIT went out: it would run on its own, outside the transaction.
    if (commitSent) return Promise.reject(new LateStatementError(sql));
    const name = pipelined ? scope.statementNames.nameOf(sql) : undefined;
    return client.query<R>(name ? { name, text: sql, values: params as unknown[] } : { text: sql, values: params as unknown[] });
  };
  const inTransaction = (): void => {
    if (beginFailed) throw translate(beginFailed, 'cannot open a transaction');
    if (commitSent) throw new LateStatementError('(a statement after COMMIT)');
  };
  // Set once the COMMIT is sent (by commitWith, or after `work`): nothing may follow it.
  let commitSent = false;
  // Inside commitWith's `issue`: an append then refuses by failing its statement (see appendWith).
  let finalStatements = false;
  const commit = async (): Promise<void> => {
    commitSent = true;
    const answer = await client.query('COMMIT').catch((error: Error) => {
      // No ROLLBACK follows a COMMIT that was sent: a connection that failed it is not reused.
      broken = error;
      throw error;
    });
    // PostgreSQL ends a transaction in which a statement failed with ROLLBACK, even when asked to commit.
    if (answer.command !== 'COMMIT') throw new StoreUnavailableError('the transaction was rolled back: a statement in it failed');
  };
  const tx: StoreTransaction = {
    pipelined,
    together,
    commitWith: async <R>(issue: () => Promise<R>): Promise<R> => {
      if (!beginAnswered) await began;
      inTransaction();
      if (!pipelined) {
        const result = await issue();
        await commit();
        return result;
      }
      let issued: Promise<R> = Promise.resolve(undefined as R);
      let committed: Promise<void> = Promise.resolve();
      together(() => {
        finalStatements = true;
        try {
          issued = issue();
        } catch (error) {
          issued = Promise.reject(error as Error);
        } finally {
          finalStatements = false;
        }
        committed = commit();
      });
      // The statements' own failure explains a rolled-back COMMIT better than the COMMIT does.
      const [statements, end] = await Promise.allSettled([issued, committed]);
      if (statements.status === 'rejected') throw statements.reason;
      if (end.status === 'rejected') throw translate(end.reason, 'commit failed');
      return statements.value;
    },
    query: async <R extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) => {
      inTransaction();
      return (await run<R>(sql, params)).rows;
    },
    readStream: async (streamId) => (await run<EventRow>(`${streamSqlOf(scope.schema)} LIMIT NULL`, [streamId, 0])).rows.map(toRecorded),
    guardFacts: (site, batchId, traceCode) => readGuardFacts({ query: run }, scope.schema, site, batchId, traceCode),
    guardFactsMany: (keys) => {
      inTransaction();
      return readGuardFactsMany(client, scope.schema, keys);
    },
    readStreams: async (streamIds) => {
      inTransaction();
      const streams = new Map<string, RecordedEvent[]>(streamIds.map((id) => [id, []]));
      if (streamIds.length === 0) return streams;
      const { rows } = await client.query<EventRow>(
        `SELECT ${EVENT_COLUMNS}
             FROM ${scope.schema}.events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision`,
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
        const results = await appendEachWith(scope, client, items);
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
        const result = await appendWith(scope, (sql, params) => run<AppendRow>(sql, params), streamId, events, options, finalStatements);
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
    if (!commitSent) {
      await began;
      inTransaction();
      await commit();
    }
    if (appended) scope.notify();
    return result;
  } catch (error) {
    // After a COMMIT that was sent, there is nothing left to roll back (the server ended the transaction).
    if (!commitSent)
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
    throw translate(error, 'transaction failed');
  } finally {
    client.release(broken ?? false);
  }
};
