import { createHash } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * A digest of everything TypeORM's synchronize compares (every table, column, index, unique,
 * check and foreign key of the entities, with all their plain settings), plus the SQL the
 * read models add by hand. A start whose entities match the digest stored beside the tables
 * skips synchronize, which on the embedded engine (PostgreSQL in WebAssembly) spends seconds
 * reading the catalogue only to find nothing to change.
 */
const plain = (value: object): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v))
      .sort(([a], [b]) => a.localeCompare(b)),
  );

const columnNames = (columns: readonly { databaseName: string }[]): string[] => columns.map((c) => c.databaseName);

export const schemaFingerprint = (dataSource: DataSource, extraSql: readonly string[]): string => {
  const tables = dataSource.entityMetadatas
    .map((m) => ({
      table: m.tablePath,
      columns: m.columns.map((c) => ({
        ...plain(c),
        type: typeof c.type === 'function' ? c.type.name : String(c.type),
        default: typeof c.default === 'function' ? String(c.default) : (c.default as unknown),
      })),
      indices: m.indices.map((i) => ({ ...plain(i), columns: columnNames(i.columns) })),
      uniques: m.uniques.map((u) => ({ ...plain(u), columns: columnNames(u.columns) })),
      checks: m.checks.map((c) => plain(c)),
      foreignKeys: m.foreignKeys.map((f) => ({
        ...plain(f),
        columns: columnNames(f.columns),
        references: columnNames(f.referencedColumns),
      })),
    }))
    .sort((a, b) => a.table.localeCompare(b.table));
  return createHash('sha256').update(JSON.stringify({ tables, extraSql })).digest('hex');
};

const TABLE = 'rm_schema_fingerprint';

export const storedFingerprint = async (runner: QueryRunner, schema: string): Promise<string | null> => {
  const [exists] = (await runner.query(`SELECT to_regclass($1)::text AS t`, [`"${schema}".${TABLE}`])) as { t: string | null }[];
  if (!exists?.t) return null;
  const [row] = (await runner.query(`SELECT fingerprint FROM "${schema}".${TABLE}`)) as { fingerprint: string }[];
  return row?.fingerprint ?? null;
};

export const storeFingerprint = async (runner: QueryRunner, schema: string, fingerprint: string): Promise<void> => {
  await runner.query(`CREATE TABLE IF NOT EXISTS "${schema}".${TABLE} (fingerprint text NOT NULL)`);
  await runner.query(`DELETE FROM "${schema}".${TABLE}`);
  await runner.query(`INSERT INTO "${schema}".${TABLE} (fingerprint) VALUES ($1)`, [fingerprint]);
};
