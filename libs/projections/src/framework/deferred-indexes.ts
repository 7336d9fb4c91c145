import type { DataSource, EntityManager } from 'typeorm';

/**
 * Indexes set aside while read models are rebuilt from an empty start, and built once at the
 * end: sorting a million rows into a fresh index costs a fraction of inserting them one by one
 * into a growing one (ADR "Rebuild without secondary indexes").
 *
 * Each dropped index is recorded, with the statement that recreates it exactly as the
 * catalogue described it, in the same transaction as the drop. A rebuild that dies half-way
 * therefore leaves a record, and the next `ReadModels.open` restores what it lists before
 * anything reads the tables.
 */
export const DEFERRED_INDEX_TABLE = 'rm_deferred_index';

export const deferredIndexTableSql = (schema: string): string =>
  `CREATE TABLE IF NOT EXISTS "${schema}".${DEFERRED_INDEX_TABLE} (
     name text PRIMARY KEY,
     "tableName" text NOT NULL,
     kind text NOT NULL,
     restore text NOT NULL
   )`;

interface Deferred {
  readonly name: string;
  readonly tableName: string;
  readonly kind: 'index' | 'primary-key';
  readonly restore: string;
}

const quoted = (schema: string, name: string): string => `"${schema}"."${name}"`;

/**
 * Drops the non-unique indexes of `tables`, and the primary keys of `keyTables` (a subset
 * whose writers name no conflict target and look nothing up by key), remembering each.
 * Unique indexes of the other tables stay: projections rely on them for ON CONFLICT and for
 * the updates that find a row by its key. Returns how many were set aside.
 */
export const deferIndexes = async (
  dataSource: DataSource,
  schema: string,
  tables: readonly string[],
  keyTables: readonly string[],
): Promise<number> => {
  if (tables.length === 0) return 0;
  return dataSource.transaction(async (em) => {
    const found: Deferred[] = [];
    const indexes: { name: string; tableName: string; definition: string }[] = await em.query(
      `SELECT i.relname AS name, t.relname AS "tableName", pg_get_indexdef(i.oid) AS definition
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname = ANY($2::text[]) AND NOT x.indisunique`,
      [schema, tables],
    );
    for (const i of indexes) found.push({ name: i.name, tableName: i.tableName, kind: 'index', restore: i.definition });
    const keys: { name: string; tableName: string; definition: string }[] = await em.query(
      `SELECT c.conname AS name, t.relname AS "tableName", pg_get_constraintdef(c.oid) AS definition
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname = ANY($2::text[]) AND c.contype = 'p'`,
      [schema, keyTables.filter((t) => tables.includes(t))],
    );
    for (const k of keys)
      found.push({
        name: k.name,
        tableName: k.tableName,
        kind: 'primary-key',
        restore: `ALTER TABLE ${quoted(schema, k.tableName)} ADD CONSTRAINT "${k.name}" ${k.definition}`,
      });
    for (const d of found) {
      await em.query(
        `INSERT INTO ${quoted(schema, DEFERRED_INDEX_TABLE)} (name, "tableName", kind, restore) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING`,
        [d.name, d.tableName, d.kind, d.restore],
      );
      if (d.kind === 'index') await em.query(`DROP INDEX ${quoted(schema, d.name)}`);
      else await em.query(`ALTER TABLE ${quoted(schema, d.tableName)} DROP CONSTRAINT "${d.name}"`);
    }
    return found.length;
  });
};

const exists = async (em: EntityManager, schema: string, d: Deferred): Promise<boolean> => {
  const rows: unknown[] =
    d.kind === 'index'
      ? await em.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, [
          schema,
          d.name,
        ])
      : await em.query(
          `SELECT 1 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = $1 AND t.relname = $2 AND c.contype = 'p'`,
          [schema, d.tableName],
        );
  return rows.length > 0;
};

/**
 * Builds every index still listed as set aside (after a rebuild, or on open after one that did
 * not finish), each in one transaction with the removal of its record, `parallel` at a time
 * (primary keys first, as TypeORM would see them). Returns how many.
 */
export const restoreDeferredIndexes = async (dataSource: DataSource, schema: string, parallel = 1): Promise<number> => {
  const [table] = (await dataSource.query(`SELECT to_regclass($1)::text AS t`, [quoted(schema, DEFERRED_INDEX_TABLE)])) as {
    t: string | null;
  }[];
  if (!table?.t) return 0;
  const pending: Deferred[] = await dataSource.query(
    `SELECT name, "tableName", kind, restore FROM ${quoted(schema, DEFERRED_INDEX_TABLE)} ORDER BY kind DESC, name`,
  );
  let done = 0;
  const restoreOne = (d: Deferred): Promise<void> =>
    dataSource.transaction(async (em) => {
      // Another process restoring the same list: the row lock makes it wait, then skip.
      const [still] = (await em.query(`SELECT 1 AS x FROM ${quoted(schema, DEFERRED_INDEX_TABLE)} WHERE name = $1 FOR UPDATE`, [
        d.name,
      ])) as unknown[];
      if (!still) return;
      // Sorting a table's worth of keys at once: give the sort room (this transaction only).
      await em.query(`SET LOCAL maintenance_work_mem = '256MB'`);
      if (!(await exists(em, schema, d))) await em.query(d.restore);
      await em.query(`DELETE FROM ${quoted(schema, DEFERRED_INDEX_TABLE)} WHERE name = $1`, [d.name]);
      done++;
    });
  const queue = [...pending];
  await Promise.all(
    Array.from({ length: Math.max(1, parallel) }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await restoreOne(d);
    }),
  );
  return done;
};
