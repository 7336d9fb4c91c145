import { Pool } from 'pg';
import { type StallReport, startEmbeddedPostgres } from './pglite-server';

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

  it('names the statements that wait behind another connection’s open transaction, without their values', async () => {
    const stalls: StallReport[] = [];
    const embedded = await startEmbeddedPostgres({ onStall: { afterMs: 300, report: (stall) => stalls.push(stall) } });
    const pool = new Pool({ connectionString: embedded.url, max: 4 });
    try {
      await pool.query('CREATE TABLE person_note (note text)');
      // Two connections open, as in a running node's pool.
      const warm = await Promise.all([pool.connect(), pool.connect()]);
      for (const client of warm) client.release();
      const tx = await pool.connect();
      await tx.query('BEGIN');
      await tx.query('INSERT INTO person_note VALUES ($1)', ['张三 110101199003077777']);
      // The mistake the report is for: a statement on the pool while the transaction is open.
      const outside = pool.query('SELECT count(*) FROM person_note WHERE note <> $1', ['李四 440305202101154566']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const seen = [...stalls];
      // Let the waiting statement through before asserting: a failed expectation must not hang the pool.
      await tx.query('COMMIT');
      tx.release();
      await outside;
      expect(seen).toHaveLength(1);
      expect(seen[0]!.holderLastStatement).toBe('INSERT INTO person_note VALUES ($1)');
      expect(seen[0]!.waiting).toEqual(['SELECT count(*) FROM person_note WHERE note <> $1']);
      expect(seen[0]!.waitedMs).toBeGreaterThanOrEqual(300);
      expect(JSON.stringify(seen)).not.toMatch(/张三|李四|1101011990|4403052021/);
      // A transaction that finishes in time is not reported.
      const quick = await pool.connect();
      await quick.query('BEGIN');
      const other = pool.query('SELECT 1');
      await quick.query('COMMIT');
      quick.release();
      await other;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(stalls).toHaveLength(1);
    } finally {
      await pool.end();
      await embedded.stop();
    }
  }, 120_000);
});
