import { Pool } from 'pg';
import { startEmbeddedPostgres } from './pglite-server';

// Many connections sending parameterised queries (Parse/Bind/Execute/Sync) at once: the
// embedded server must never let one connection's Bind meet another's Parse.
describe('embedded PostgreSQL server', () => {
  it('keeps each connection’s extended-protocol messages together under concurrency', async () => {
    const embedded = await startEmbeddedPostgres({});
    const pool = new Pool({ connectionString: embedded.url, max: 8 });
    // pglite-socket's own server fails this with "portal does not exist" or a Bind that
    // meets another connection's statement: a transaction's owner cut in mid-sequence.
    const inTransaction = async (i: number): Promise<boolean> => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const r = await client.query<{ s: number }>('SELECT $1::int + $2::int + $3::int AS s', [i, 1, 2]);
        await client.query('COMMIT');
        return r.rows[0]!.s === i + 3;
      } finally {
        client.release();
      }
    };
    try {
      const queries = Array.from({ length: 400 }, (_, i) =>
        i % 3 === 0 ? inTransaction(i) : pool.query<{ s: string }>('SELECT $1::text AS s', [`q${i}`]).then((r) => r.rows[0]!.s === `q${i}`),
      );
      const results = await Promise.all(queries);
      expect(results.every(Boolean)).toBe(true);
    } finally {
      await pool.end();
      await embedded.stop();
    }
    // PGlite (WebAssembly) takes seconds to start on a loaded CI machine.
  }, 120_000);

  it('lets a transaction finish before another connection runs', async () => {
    const embedded = await startEmbeddedPostgres({});
    const pool = new Pool({ connectionString: embedded.url, max: 4 });
    try {
      await pool.query('CREATE TABLE t (n int)');
      const tx = await pool.connect();
      await tx.query('BEGIN');
      await tx.query('INSERT INTO t VALUES ($1)', [1]);
      const outside = pool.query<{ c: string }>('SELECT count(*)::text AS c FROM t');
      await tx.query('INSERT INTO t VALUES ($1)', [2]);
      await tx.query('COMMIT');
      tx.release();
      // The other connection waited for the commit, so it sees both rows.
      expect((await outside).rows[0]!.c).toBe('2');
    } finally {
      await pool.end();
      await embedded.stop();
    }
    // PGlite (WebAssembly) takes seconds to start on a loaded CI machine.
  }, 120_000);
});
