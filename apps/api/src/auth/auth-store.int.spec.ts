import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { AuthStore } from './auth-store';

// Read grants: a dose sends its grant with its COMMIT (StoreTransaction.commitWith), so a
// grant, clearing of expired grants included, is one statement.

describe('person read grants', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const schema = freshSchema('auth');
  const store = new AuthStore(pool, schema);
  const count = async (): Promise<number> =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.person_grants`)).rows[0]!.n);

  beforeAll(() => store.migrate());
  afterAll(() => pool.end());

  it('grants in one statement, clears expired grants with it, and renews the grant it is given even when expired', async () => {
    await pool.query(
      `INSERT INTO ${schema}.person_grants (grantee, person_id, expires_at) VALUES
         ('site-a', 'p-old', now() - interval '1 hour'), ('site-a', 'p-renewed', now() - interval '1 hour'),
         ('site-b', 'p-live', now() + interval '1 hour')`,
    );
    const statements: string[] = [];
    const db = { query: (sql: string, params?: readonly unknown[]) => (statements.push(sql), pool.query(sql, params ? [...params] : [])) };
    // The first grant of a process clears the expired ones, in the same statement.
    await store.grantPerson('site-a', 'p-renewed', 60_000, db);
    expect(statements).toHaveLength(1);
    expect(await store.hasPersonGrant('site-a', 'p-renewed')).toBe(true);
    expect(await store.hasPersonGrant('site-b', 'p-live')).toBe(true);
    expect(await count()).toBe(2);
    // Later grants (within the clearing interval) only grant.
    await pool.query(`INSERT INTO ${schema}.person_grants VALUES ('site-a', 'p-old', now() - interval '1 hour')`);
    await store.grantPerson('site-c', 'p-new', 60_000, db);
    expect(statements).toHaveLength(2);
    expect(await count()).toBe(4);
    expect(await store.hasPersonGrant('site-a', 'p-old')).toBe(false);
  });
});
