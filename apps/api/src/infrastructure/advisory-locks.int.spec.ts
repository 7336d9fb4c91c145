import { Pool } from 'pg';
import { testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { AdvisoryLocks } from './advisory-locks';

// Sets of locks, as an EPCIS capture takes them for its eventIDs' buckets. Two instances stand
// for two API processes on PostgreSQL; on PGlite (one database session) one instance alone.

const NAMESPACE = 0x76787473; // test only
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('advisory locks over sets of keys', () => {
  const real = testDatabaseKind() === 'postgres';
  const lockPools = [1, 2].map(() => new Pool({ connectionString: testDatabaseUrl(), max: 4 }));
  const [one, two] = real ? lockPools.map((p) => new AdvisoryLocks(p, NAMESPACE)) : [new AdvisoryLocks(null, NAMESPACE)];
  const other = real ? two! : one!;
  afterAll(async () => {
    await Promise.all(lockPools.map((p) => p.end()));
  });

  it('never runs two tasks that share a key at once, and never deadlocks on sets given in opposite orders', async () => {
    const inside = new Map<string, number>();
    const overlaps: string[] = [];
    const task = (keys: readonly string[]) => async (): Promise<void> => {
      for (const k of keys) {
        if ((inside.get(k) ?? 0) > 0) overlaps.push(k);
        inside.set(k, (inside.get(k) ?? 0) + 1);
      }
      await sleep(5);
      for (const k of keys) inside.set(k, inside.get(k)! - 1);
    };
    const sets = [['a', 'b'], ['b', 'a'], ['b', 'c'], ['c', 'a', 'b'], ['d'], ['a']];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const keys = sets[i % sets.length]!;
        return (i % 2 === 0 ? one! : other).runAll(keys, task(keys));
      }),
    );
    expect(overlaps).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('gives the locks back when the task fails', async () => {
    await expect(one!.runAll(['x', 'y'], () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(other.runAll(['y'], async () => 'free')).resolves.toBe('free');
  });
});
