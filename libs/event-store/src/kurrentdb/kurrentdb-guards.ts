import { Pool, type PoolClient } from 'pg';
import type { GuardOp, GuardRules, GuardEnforcement, GuardedEvent } from '../guards/guard-ops';
import type { GlobalPosition, NewEvent, RecordedEvent } from '../event-store.port';
import { GUARD_TABLES, guardSchemaSql } from '../postgres/guard-schema';
import { type GuardFacts, readGuardFacts } from '../postgres/guard-tables';
import { translate as translatePg } from '../postgres/pg-errors';

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

export const kurrentGuardSchemaSql = (schema: string): string => `
${guardSchemaSql(schema)}
CREATE TABLE IF NOT EXISTS ${schema}.guard_event (
  event_id uuid PRIMARY KEY,
  stream_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('reserved', 'applied')),
  late jsonb NOT NULL DEFAULT '[]',
  undo jsonb NOT NULL DEFAULT '[]',
  -- Batches whose stock the reservation took (a recall waits for these to settle).
  batches text[] NOT NULL DEFAULT '{}',
  touched_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE ${schema}.guard_event ADD COLUMN IF NOT EXISTS batches text[] NOT NULL DEFAULT '{}';
-- Where the event was found in $all once applied (NULL: reserved, or applied before this column).
ALTER TABLE ${schema}.guard_event ADD COLUMN IF NOT EXISTS position bigint;
CREATE INDEX IF NOT EXISTS guard_event_reserved ON ${schema}.guard_event (touched_at) WHERE state = 'reserved';
CREATE INDEX IF NOT EXISTS guard_event_applied ON ${schema}.guard_event (touched_at) WHERE state = 'applied';
CREATE TABLE IF NOT EXISTS ${schema}.guard_log_position (
  id int PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL
);

-- Reserves the events of one append: the first reservation of an id applies its early
-- operations (checked when p_enforce is given) and keeps its late ones and its undo; a
-- reservation already there is only touched (its writer, or a retry, is still at work).
-- Returns the ids reserved by this call.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_reserve(p_events jsonb, p_enforce jsonb) RETURNS text[]
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  out text[] := '{}';
BEGIN
  FOR e IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    INSERT INTO ${schema}.guard_event (event_id, stream_id, state, late, undo, batches)
    VALUES ((e->>'id')::uuid, e->>'stream', 'reserved', e->'late', e->'undo',
            ARRAY(SELECT jsonb_array_elements_text(e->'batches')))
    ON CONFLICT (event_id) DO NOTHING;
    IF FOUND THEN
      PERFORM ${schema}.guards_apply(e->'early', p_enforce);
      out := out || (e->>'id');
    ELSE
      UPDATE ${schema}.guard_event SET touched_at = now() WHERE event_id = (e->>'id')::uuid AND state = 'reserved';
    END IF;
  END LOOP;
  RETURN out;
END $fn$;

-- Gives back reservations whose events are known not to be in the log. p_older_ms: only those
-- not touched for that long (the sweeper), NULL: any (the writer after a definite failure).
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_release(p_ids uuid[], p_older_ms bigint) RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  n int := 0;
BEGIN
  FOR r IN DELETE FROM ${schema}.guard_event
            WHERE event_id = ANY(p_ids) AND state = 'reserved'
              AND (p_older_ms IS NULL OR touched_at < now() - make_interval(secs => p_older_ms / 1000.0))
           RETURNING undo LOOP
    PERFORM ${schema}.guards_apply(r.undo, NULL);
    n := n + 1;
  END LOOP;
  RETURN n;
END $fn$;

-- Events the log reader read from $all, in log order (p_events[]: id, stream, pos, ops): a
-- reservation becomes applied with its late operations; an event with no row gets all its
-- operations once; an applied one nothing. An event at or below the rows' position was applied
-- by the reader that moved the position there (whose row may since have been pruned), so it is
-- skipped: a reader that runs behind another, or a pruned row, never applies an event twice.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_confirm(p_events jsonb, p_position bigint) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  r record;
  v_done bigint := coalesce((SELECT position FROM ${schema}.guard_log_position), -1);
BEGIN
  FOR e IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    CONTINUE WHEN (e->>'pos')::bigint <= v_done;
    LOOP
      SELECT state, late INTO r FROM ${schema}.guard_event WHERE event_id = (e->>'id')::uuid FOR UPDATE;
      IF FOUND THEN
        IF r.state = 'reserved' THEN
          UPDATE ${schema}.guard_event SET state = 'applied', late = '[]', undo = '[]', touched_at = now(),
                 position = (e->>'pos')::bigint
           WHERE event_id = (e->>'id')::uuid;
          PERFORM ${schema}.guards_apply(r.late, NULL);
        END IF;
        EXIT;
      END IF;
      INSERT INTO ${schema}.guard_event (event_id, stream_id, state, position)
      VALUES ((e->>'id')::uuid, e->>'stream', 'applied', (e->>'pos')::bigint)
      ON CONFLICT (event_id) DO NOTHING;
      IF FOUND THEN
        PERFORM ${schema}.guards_apply(e->'ops', NULL);
        EXIT;
      END IF;
      -- A reservation committed between the two statements: read it again.
    END LOOP;
  END LOOP;
  IF p_position IS NOT NULL THEN
    INSERT INTO ${schema}.guard_log_position (id, position) VALUES (1, p_position)
    ON CONFLICT (id) DO UPDATE SET position = GREATEST(${schema}.guard_log_position.position, EXCLUDED.position);
  END IF;
END $fn$;

-- Old reservations whose events the sweeper found in their streams (p_events[]: id, pos). Under
-- the row's lock: an event above the rows' position is new, so the reservation is confirmed
-- (applied, with its late operations); one at or below it was applied when the log reader
-- passed it, so this reservation is a second one for the same event (a retry that reached
-- the store after its first row was pruned, answered by KurrentDB as already written) and is
-- given back. Returns how many were confirmed and released.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_settle(p_events jsonb, OUT confirmed int, OUT released int)
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  r record;
BEGIN
  confirmed := 0;
  released := 0;
  FOR e IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    SELECT state, late, undo INTO r FROM ${schema}.guard_event WHERE event_id = (e->>'id')::uuid FOR UPDATE;
    CONTINUE WHEN NOT FOUND OR r.state <> 'reserved';
    IF (e->>'pos')::bigint <= coalesce((SELECT position FROM ${schema}.guard_log_position), -1) THEN
      DELETE FROM ${schema}.guard_event WHERE event_id = (e->>'id')::uuid;
      PERFORM ${schema}.guards_apply(r.undo, NULL);
      released := released + 1;
    ELSE
      UPDATE ${schema}.guard_event SET state = 'applied', late = '[]', undo = '[]', touched_at = now(),
             position = (e->>'pos')::bigint
       WHERE event_id = (e->>'id')::uuid;
      PERFORM ${schema}.guards_apply(r.late, NULL);
      confirmed := confirmed + 1;
    END IF;
  END LOOP;
END $fn$;

-- Retention of guard_event (docs/adr/0029): applied rows untouched for p_older_ms whose event
-- the log reader has passed. Nothing reads them again: the reader skips events at or below
-- its position, and the sweeper gives back a reservation for such an event. At most p_limit
-- rows per call. Returns how many went.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_prune(p_older_ms bigint, p_limit int) RETURNS int
LANGUAGE sql AS $fn$
  WITH gone AS (
    DELETE FROM ${schema}.guard_event
     WHERE event_id IN (
       SELECT event_id FROM ${schema}.guard_event
        WHERE state = 'applied' AND touched_at < now() - make_interval(secs => p_older_ms / 1000.0)
          AND position <= (SELECT position FROM ${schema}.guard_log_position)
        LIMIT p_limit)
    RETURNING 1)
  SELECT count(*)::int FROM gone;
$fn$;
`;

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
