import { Pool, type PoolClient } from 'pg';
import type { GuardOp, GuardRules, GuardEnforcement, GuardedEvent } from '../guards/guard-ops';
import type { GlobalPosition, NewEvent, RecordedEvent } from '../event-store.port';
import { GUARD_TABLES } from '../postgres/guard-schema';
import { type GuardFacts, readGuardFacts } from '../postgres/guard-tables';
import { translate as translatePg } from '../postgres/pg-errors';
import { kurrentGuardSchemaSql } from './kurrentdb-guard-sql';

/**
 * The guard rows of ADR 0011 for a log kept in KurrentDB (docs/adr/0029-kurrentdb-guards.md).
 *
 * The rows live in PostgreSQL (the node's read-model database) and cannot commit with the
 * KurrentDB append, so every event's guard operations are split in two:
 *
 * - **early** (applied when the append is reserved, before it is written): takes of stock,
 *   draws of coded units and holds. They only ever make a later command more likely to be
 *   refused, the enforced checks are among them, and each has an exact inverse (`undo`).
 * - **late** (applied once the event is seen in `$all`): everything that gives stock or units
 *   back or moves them (receipts, productions, lifts, entered-in-error, unit moves).
 *
 * `guard_event` has one row per event id: `reserved` (early applied, append pending) or
 * `applied` (every operation applied). The reservation is an `INSERT … ON CONFLICT (event_id)
 * DO NOTHING`, so a retried append with the same ids reserves nothing a second time. A definite
 * append failure deletes the reserved rows and applies their `undo`; the log reader confirms
 * (reserved → applied, plus the late operations) or, for an event it finds with no row (another
 * writer, an import made before the rows existed, a reservation the sweeper gave back), applies
 * all its operations at once. The sweeper settles reservations older than `sweepAfterMs`: confirmed
 * when their event is in the stream, released otherwise.
 *
 * Retention (docs/adr/0033-kurrentdb-guard-row-retention.md): every event at or below
 * `guard_log_position` has been applied, rows or not. So the reader skips such events, the
 * sweeper gives back a reservation for one (a retry's second reservation after its row was
 * pruned), and applied rows the reader has passed may be pruned after the retention.
 */

/** Splits one event's operations into early (pessimistic, invertible) and late ones. */
export const splitGuardOps = (ops: readonly GuardOp[]): { early: GuardOp[]; late: GuardOp[]; undo: GuardOp[] } => {
  const early: GuardOp[] = [];
  const late: GuardOp[] = [];
  const undo: GuardOp[] = [];
  for (const op of ops) {
    if (op.k === 'stock' && op.available < 0 && !op.quarantined) {
      early.push(op);
      undo.unshift({ k: 'stock', site: op.site, batch: op.batch, available: -op.available });
    } else if (op.k === 'draw' && op.n > 0) {
      early.push(op);
      undo.unshift({ ...op, n: -op.n });
    } else if (op.k === 'hold') {
      early.push(op);
      undo.unshift({ k: 'lift', recall: op.recall, batches: op.batches });
    } else late.push(op);
  }
  return { early, late, undo };
};

const DEADLOCK = '40P01';

/** Runs `work` in a transaction, again (up to 5 times) when PostgreSQL picked it as a deadlock victim. */
const inTransaction = async <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await work(client);
      await client.query('COMMIT');
      return out;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === DEADLOCK && attempt < 5) continue;
      throw error;
    } finally {
      client.release();
    }
  }
};

export interface KurrentDbGuardOptions {
  /** The PostgreSQL database the guard rows live in (the node's read-model database). */
  readonly connectionString: string;
  readonly schema?: string;
  readonly rules: GuardRules;
  readonly poolSize?: number;
  /**
   * How long a reservation may stay unconfirmed before the sweeper settles it (its event is in
   * the stream: confirmed; it is not: released). Must exceed the longest time an append can
   * still land after it was sent (the call deadline, and a stale claim taken over by a retry).
   */
  readonly sweepAfterMs?: number;
  /** How often the sweeper looks (default a quarter of sweepAfterMs, at least 1 s). */
  readonly sweepEveryMs?: number;
  /**
   * How long an applied guard_event row is kept before the sweeper's tick prunes it (once the
   * log reader has passed its event); null or absent: for good.
   */
  readonly retainAppliedMs?: number | null;
  /**
   * Told after each sweeper tick that changed something: reservations released (a writer died
   * before its append, or a retry's second reservation) and confirmed (its writer died after
   * it), and applied rows pruned. For the node's metrics.
   */
  readonly onUpkeep?: (report: GuardUpkeepReport) => void;
}

export interface GuardUpkeepReport {
  readonly released: number;
  readonly confirmed: number;
  readonly pruned: number;
}

/** The PostgreSQL side of the KurrentDB guards: reserve, release, confirm, read, rebuild. */
export class KurrentDbGuardRows {
  readonly schema: string;

  private constructor(
    readonly pool: Pool,
    private readonly rules: GuardRules,
    schema: string,
  ) {
    this.schema = schema;
  }

  static async open(options: KurrentDbGuardOptions): Promise<KurrentDbGuardRows> {
    const schema = options.schema ?? 'vaxledger';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 8,
      application_name: 'vaxledger-kurrentdb-guards',
    });
    pool.on('error', () => undefined);
    const rows = new KurrentDbGuardRows(pool, options.rules, schema);
    try {
      await rows.migrate();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw translatePg(error, `cannot prepare the guard rows in schema ${schema}`);
    }
    return rows;
  }

  /**
   * Creates the tables; rows built with another rule version (or none) are emptied and the
   * position set back to the start, so the log reader rebuilds them from all of `$all`.
   */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    const lock = `vaxledger-kdb-guards-${this.schema}`;
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await client.query(kurrentGuardSchemaSql(this.schema));
        const { rows } = await client.query<{ rules_version: number }>(`SELECT rules_version FROM ${this.schema}.guard_meta`);
        if (rows[0]?.rules_version !== this.rules.version) {
          await client.query('BEGIN');
          const tables = [...GUARD_TABLES, 'guard_event', 'guard_log_position'].map((t) => `${this.schema}.${t}`);
          await client.query(`TRUNCATE ${tables.join(', ')}`);
          await client.query(
            `INSERT INTO ${this.schema}.guard_meta (id, rules_version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET rules_version = $1`,
            [this.rules.version],
          );
          await client.query('COMMIT');
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
      }
    } finally {
      client.release();
    }
  }

  opsOf(streamId: string, event: Omit<GuardedEvent, 'streamId'>): readonly GuardOp[] {
    return this.rules.opsFor({ type: event.type, streamId, data: event.data, metadata: event.metadata });
  }

  /** The position of `$all` the rows have applied up to. */
  async position(): Promise<GlobalPosition> {
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.schema}.guard_log_position`);
    return rows[0] ? BigInt(rows[0].position) : 0n;
  }

  /**
   * Reserves an append's events in one transaction; a refused check throws the port's
   * GuardViolationError and reserves nothing. Answers the ids this call reserved.
   */
  async reserve(streamId: string, events: readonly NewEvent[], enforce: GuardEnforcement | null): Promise<string[]> {
    const payload = events.map((e) => {
      const { early, late, undo } = splitGuardOps(this.opsOf(streamId, e));
      const batches = [...new Set(early.flatMap((op) => (op.k === 'stock' ? [op.batch] : [])))];
      return { id: e.eventId.toLowerCase(), stream: streamId, early, late, undo, batches };
    });
    try {
      return await inTransaction(this.pool, async (client) => {
        const { rows } = await client.query<{ ids: string[] }>(`SELECT ${this.schema}.kdb_guard_reserve($1::jsonb, $2::jsonb) AS ids`, [
          JSON.stringify(payload),
          enforce ? JSON.stringify(enforce) : null,
        ]);
        return rows[0]?.ids ?? [];
      });
    } catch (error) {
      throw translatePg(error, 'guard reservation');
    }
  }

  /**
   * Reservations other than `except` that took stock of any of `batches` and are not settled
   * yet (appended but not confirmed, or still being appended).
   */
  async pendingTakes(batches: readonly string[], except: readonly string[]): Promise<number> {
    if (batches.length === 0) return 0;
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.schema}.guard_event
        WHERE state = 'reserved' AND batches && $1::text[] AND NOT (event_id = ANY($2::uuid[]))`,
      [batches, except],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Gives reservations back (their events are known not to be in the log). */
  async release(ids: readonly string[], olderThanMs: number | null = null): Promise<number> {
    if (ids.length === 0) return 0;
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ n: number }>(`SELECT ${this.schema}.kdb_guard_release($1::uuid[], $2) AS n`, [
        ids,
        olderThanMs,
      ]);
      return rows[0]?.n ?? 0;
    });
  }

  /** Events read from `$all`, in log order: every one's operations end up applied exactly once. */
  async confirm(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const payload = events.map((e) => ({
      id: e.eventId.toLowerCase(),
      stream: e.streamId,
      pos: e.position.toString(),
      ops: this.opsOf(e.streamId, e),
    }));
    const last = events[events.length - 1]!.position;
    await inTransaction(this.pool, (client) =>
      client.query(`SELECT ${this.schema}.kdb_guard_confirm($1::jsonb, $2)`, [JSON.stringify(payload), last.toString()]),
    );
  }

  /**
   * Old reservations whose events the sweeper found in their streams: confirmed when the log
   * reader has not passed the event yet, given back when it has (a second reservation for an
   * event already applied). Answers how many of each.
   */
  async settle(found: readonly { id: string; position: GlobalPosition }[]): Promise<{ confirmed: number; released: number }> {
    if (found.length === 0) return { confirmed: 0, released: 0 };
    const payload = JSON.stringify(found.map((f) => ({ id: f.id.toLowerCase(), pos: f.position.toString() })));
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ confirmed: number; released: number }>(
        `SELECT confirmed, released FROM ${this.schema}.kdb_guard_settle($1::jsonb)`,
        [payload],
      );
      return { confirmed: rows[0]?.confirmed ?? 0, released: rows[0]?.released ?? 0 };
    });
  }

  /**
   * Retention: deletes up to `limit` applied rows untouched for `olderThanMs` whose event the
   * log reader has passed. Answers how many went.
   */
  async prune(olderThanMs: number, limit = 10_000): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT ${this.schema}.kdb_guard_prune($1, $2) AS n`, [olderThanMs, limit]);
    return rows[0]?.n ?? 0;
  }

  /** Reservations not touched for `olderThanMs`, per stream (for the sweeper). */
  async staleReservations(olderThanMs: number, limit = 500): Promise<Map<string, string[]>> {
    const { rows } = await this.pool.query<{ event_id: string; stream_id: string }>(
      `SELECT event_id::text, stream_id FROM ${this.schema}.guard_event
        WHERE state = 'reserved' AND touched_at < now() - make_interval(secs => $1 / 1000.0)
        ORDER BY touched_at LIMIT $2`,
      [olderThanMs, limit],
    );
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.stream_id, [...(out.get(r.stream_id) ?? []), r.event_id]);
    return out;
  }

  async guardFacts(site: string, batchId: string, traceCode: string | null): Promise<GuardFacts> {
    return readGuardFacts(this.pool, this.schema, site, batchId, traceCode);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
