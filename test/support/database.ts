import { randomBytes } from 'node:crypto';

/** The run's database (real PostgreSQL or PGlite), prepared by global-setup.cjs. */
export const testDatabaseUrl = (): string => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global-setup.cjs)');
  return url;
};

export const testDatabaseKind = (): 'postgres' | 'pglite' => (process.env.TEST_DATABASE_KIND === 'pglite' ? 'pglite' : 'postgres');

/** A fresh schema name, so each suite has its own log and read models on the shared database. */
export const freshSchema = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;
