import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { GuardRules } from '../guards/guard-ops';
import { GUARD_TABLES } from './guard-schema';

/** Rows of the guard tables a command reads before it decides (in its transaction). */
export interface GuardFacts {
  readonly stock: { readonly available: number; readonly hold: string | null } | null;
  readonly unit: { readonly batchId: string; readonly holder: string | null; readonly state: string; readonly drawn: number } | null;
}

export const readGuardFacts = async (
  client: { query<R extends QueryResultRow>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> },
  schema: string,
  site: string,
  batchId: string,
  traceCode: string | null,
): Promise<GuardFacts> => {
  const { rows } = await client.query<{ available: string | null; hold: string | null; unit: GuardFacts['unit'] | null }>(
    `SELECT s.available, s.hold,
            (SELECT json_build_object('batchId', batch_id, 'holder', holder, 'state', state, 'drawn', drawn)
               FROM ${schema}.guard_unit WHERE code = $3) AS unit
       FROM (SELECT 1) one LEFT JOIN ${schema}.guard_stock s ON s.site = $1 AND s.batch_id = $2`,
    [site, batchId, traceCode],
  );
  const row = rows[0];
  return {
    stock: row?.available == null ? null : { available: Number(row.available), hold: row.hold },
    unit: row?.unit ?? null,
  };
};

/** `readGuardFacts` for many keys in one query; answers in the order of `keys`. */
export const readGuardFactsMany = async (
  client: PoolClient,
  schema: string,
  keys: readonly { site: string; batchId: string; traceCode: string | null }[],
): Promise<GuardFacts[]> => {
  if (keys.length === 0) return [];
  const { rows } = await client.query<{ ord: string; available: string | null; hold: string | null; unit: GuardFacts['unit'] | null }>(
    `SELECT k.ord, s.available, s.hold,
            (SELECT json_build_object('batchId', u.batch_id, 'holder', u.holder, 'state', u.state, 'drawn', u.drawn)
               FROM ${schema}.guard_unit u WHERE u.code = k.code) AS unit
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(site, batch, code, ord)
       LEFT JOIN ${schema}.guard_stock s ON s.site = k.site AND s.batch_id = k.batch`,
    [keys.map((k) => k.site), keys.map((k) => k.batchId), keys.map((k) => k.traceCode)],
  );
  const out: GuardFacts[] = keys.map(() => ({ stock: null, unit: null }));
  for (const row of rows)
    out[Number(row.ord) - 1] = {
      stock: row.available == null ? null : { available: Number(row.available), hold: row.hold },
      unit: row.unit ?? null,
    };
  return out;
};

interface LogRow {
  position: string;
  stream_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

/**
 * Empties the guard tables and replays the whole log through `rules`, in one transaction on
 * `client`. Every committed event is read, not only those below the safe bound: an append
 * still in flight cannot commit before this does, since its guard operations wait for the
 * TRUNCATE's lock, so none is lost between the replay and it.
 */
export const rebuildGuardTables = async (client: PoolClient, schema: string, rules: GuardRules): Promise<number> => {
  let count = 0;
  await client.query('BEGIN');
  try {
    await client.query(`TRUNCATE ${GUARD_TABLES.map((t) => `${schema}.${t}`).join(', ')}`);
    for (let after = '0'; ;) {
      const { rows } = await client.query<LogRow>(
        `SELECT position, stream_id, type, data, metadata FROM ${schema}.events WHERE position > $1 ORDER BY position LIMIT 5000`,
        [after],
      );
      if (rows.length === 0) break;
      const ops = rows.flatMap((r) => rules.opsFor({ type: r.type, streamId: r.stream_id, data: r.data, metadata: r.metadata }));
      if (ops.length > 0) await client.query(`SELECT ${schema}.guards_apply($1::jsonb, NULL)`, [JSON.stringify(ops)]);
      count += rows.length;
      after = rows[rows.length - 1]!.position;
    }
    await client.query(
      `INSERT INTO ${schema}.guard_meta (id, rules_version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET rules_version = $1`,
      [rules.version],
    );
    await client.query('COMMIT');
    return count;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
};
