import { Pool } from 'pg';
import { testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { SiteLocks } from './site-locks';

// Two SiteLocks stand for two API processes of one node. On PGlite (one database session for
// everything) advisory locks cannot tell processes apart, so the embedded node runs with the
// in-process mutex alone and these tests use one instance there.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('per-site locks for dose capture', () => {
  const real = testDatabaseKind() === 'postgres';
  const lockPools = [1, 2].map(() => new Pool({ connectionString: testDatabaseUrl(), max: 4 }));
  const workPool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const [one, two] = real ? lockPools.map((p) => new SiteLocks(p)) : [new SiteLocks(null), new SiteLocks(null)];
  const other = real ? two! : one!;
  afterAll(async () => {
    await Promise.all([...lockPools, workPool].map((p) => p.end()));
  });

  it('never lets two commands of one site overlap, whichever process runs them', async () => {
    let inside = 0;
    let most = 0;
    const task = async (): Promise<void> => {
      inside++;
      most = Math.max(most, inside);
      await workPool.query('SELECT pg_sleep(0.01)');
      inside--;
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? one! : other).run('12440300MB1B2345QN', task)));
    expect(most).toBe(1);
  });

  it('runs many sites side by side without running out of connections', async () => {
    // 20 sites at once, more than either pool holds; each task needs the (small) work pool.
    const started = Date.now();
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? one! : other).run(`site-${i}`, async () => {
          await workPool.query('SELECT 1');
          await sleep(20);
          return i;
        }),
      ),
    );
    expect(done).toHaveLength(20);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
