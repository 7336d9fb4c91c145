import type { Pool, PoolClient } from 'pg';
import { EventIdConflictError, EventStoreError, GuardViolationError } from '../errors';
import type { GuardEnforcement, GuardOp, GuardRules } from '../guards/guard-ops';
import type { AppendOptions, AppendResult, NewEvent, StreamAppend } from '../event-store.port';
import { isPgError } from './pg-errors';
import { type AppendItem, appendedOf, type AppendRow, checkAppendSize, kindOf, streamConflictOf } from './postgres-rows';
import { APPEND_REFUSED_SQLSTATE } from './schema';

// The PostgreSQL adapter's append statements: one stream (append_events), many streams in one
// statement (append_streams, ADR 0027) and many independent appends in a transaction
// (append_each). Retries, notification and transactions stay with PostgresEventStore.

/** What the append statements need from the store: its schema and the node's guard rule. */
export interface AppendScope {
  readonly schema: string;
  /** Turns each appended event into guard operations (ADR 0011); none: no guard rows kept. */
  readonly guardRules: GuardRules | undefined;
}

/** Runs one statement on the append's connection (the pool, or a transaction's client). */
export type AppendRun = (sql: string, params: unknown[]) => Promise<{ rows: AppendRow[] }>;

/**
 * Several streams' appends as one call of `append_streams`: the dedupe by event id, the
 * revision checks, the writes and the guard operations of all streams set-based, in one
 * statement (ADR 0027). Each stream and event id appears once (the caller checks).
 */
export const appendStreams = async (
  scope: AppendScope,
  pool: Pool,
  appends: readonly StreamAppend[],
  total: number,
): Promise<AppendResult[]> => {
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
  const guards = appends.map((a) => guardOpsOf(scope, a.streamId, a.events));
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
  const { rows } = await pool.query<AppendRow & { out_index: number }>(
    `SELECT out_index, out_status, out_revision, out_position, out_actual
         FROM ${scope.schema}.append_streams($1::text[], $2::int[], $3::bigint[], $4::int[], $5::int[], $6::uuid[], $7::text[],
                                            $8::int[], $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::jsonb[])`,
    params,
  );
  if (rows.length !== appends.length) throw new EventStoreError('INVALID_APPEND', 'append returned no result');
  // The first stream that failed, in argument order, is the one reported (as the one-by-one path would).
  for (const [k, row] of rows.entries()) {
    const a = appends[k]!;
    if (row.out_status === 2)
      throw new EventIdConflictError(await firstConflictingId(scope, (sql, p) => pool.query(sql, p), a.events, a.streamId));
    if (row.out_status === 3) throw streamConflictOf(a.streamId, a.options, row);
  }
  return rows.map((row, k) => appendedOf(appends[k]!.streamId, appends[k]!.events, row));
};

/** The guard operations of these events under the node's rule (null: none to keep). */
const guardOpsOf = (scope: AppendScope, streamId: string, events: readonly NewEvent[]): GuardOp[] | null => {
  const rules = scope.guardRules;
  if (!rules) return null;
  const ops: GuardOp[] = [];
  for (const e of events) ops.push(...rules.opsFor({ type: e.type, streamId, data: e.data, metadata: e.metadata }));
  return ops.length > 0 ? ops : null;
};

/**
 * One stream's append as one call of `append_events`, through `run` (the pool or a transaction).
 * `refuseAsError`: a refused append (an id stored with other content, not the expected revision)
 * fails the statement itself, and so the transaction, instead of answering a status; for an
 * append whose COMMIT is already on its way (StoreTransaction.commitWith).
 */
export const appendWith = async (
  scope: AppendScope,
  run: AppendRun,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
  refuseAsError = false,
): Promise<AppendResult> => {
  checkAppendSize(events.length);
  const [kind, expectedRevision] = kindOf(options.expected ?? 'any');
  const ops = guardOpsOf(scope, streamId, events);
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
                   FROM ${scope.schema}.append_events($1, $2, $3, $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::jsonb, $10::jsonb)${
                     refuseAsError ? ` WHERE ${scope.schema}.append_refused(out_status, out_actual)` : ''
                   }`;
  let rows: AppendRow[];
  try {
    ({ rows } = await run(sql, params));
  } catch (error) {
    if (isPgError(error) && error.code === APPEND_REFUSED_SQLSTATE.idConflict) throw new EventIdConflictError(events[0]!.eventId);
    if (isPgError(error) && error.code === APPEND_REFUSED_SQLSTATE.revision) {
      const actual = (error as { detail?: string }).detail;
      throw streamConflictOf(streamId, options, { out_status: 3, out_revision: null, out_position: null, out_actual: actual || null });
    }
    throw error;
  }
  const row = rows[0];
  if (!row) throw new EventStoreError('INVALID_APPEND', 'append returned no result');
  switch (row.out_status) {
    case 0:
    case 1:
      return appendedOf(streamId, events, row);
    case 2:
      throw new EventIdConflictError(await firstConflictingId(scope, run, events, streamId));
    default:
      throw streamConflictOf(streamId, options, row);
  }
};

/**
 * Many appends in one statement (append_each): each item is checked and guarded as `append`
 * would, in a subtransaction of its own, so a refused item costs the others nothing.
 */
export const appendEachWith = async (
  scope: AppendScope,
  client: PoolClient,
  items: readonly AppendItem[],
): Promise<(AppendResult | Error)[]> => {
  if (items.length === 0) return [];
  const payload = items.map(({ streamId, events, options = {} }) => {
    checkAppendSize(events.length);
    const [kind, expected] = kindOf(options.expected ?? 'any');
    const ops = guardOpsOf(scope, streamId, events);
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
    `SELECT out_ord, out_status, out_revision, out_position, out_actual, out_rule, out_subject FROM ${scope.schema}.append_each($1::jsonb)`,
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
};

// On the append's own connection: in a transaction on PGlite (one session) another would wait forever.
const firstConflictingId = async (
  scope: AppendScope,
  run: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>,
  events: readonly NewEvent[],
  streamId: string,
): Promise<string> => {
  const { rows } = (await run(`SELECT event_id, stream_id, type, data FROM ${scope.schema}.events WHERE event_id = ANY($1::uuid[])`, [
    events.map((e) => e.eventId),
  ])) as { rows: { event_id: string; stream_id: string; type: string; data: unknown }[] };
  for (const e of events) {
    const stored = rows.find((r) => r.event_id === e.eventId);
    if (stored && (stored.stream_id !== streamId || stored.type !== e.type)) return e.eventId;
    if (stored && JSON.stringify(stored.data) !== JSON.stringify(e.data)) return e.eventId;
  }
  return events.find((e) => rows.some((r) => r.event_id === e.eventId))?.eventId ?? events[0]!.eventId;
};
