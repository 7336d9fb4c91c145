import type { Pool } from 'pg';
import { KeyedMutex } from './keyed-mutex';

/**
 * Named locks held across every API process of a node: in this process by a keyed mutex,
 * between processes by PostgreSQL session advisory locks `(namespace, hashtext(key))`. Session
 * locks, not transaction ones, because a transaction held open for a whole command would hold
 * back every log reader (ADR 0002); a process that dies holding them releases them with its
 * connection. On the embedded PGlite there is one process and one database session, so the
 * mutex alone is the whole story there (`pool` null).
 *
 * `runAll` takes several keys at once, always in sorted order, so two callers that want
 * overlapping sets never wait on each other in a circle.
 */
export class AdvisoryLocks {
  private readonly local = new KeyedMutex();

  /**
   * @param pool connections used only for the locks (null: this process alone). It must not be
   *   a pool the tasks draw from: with every connection holding a lock, the tasks would wait
   *   for a connection forever. When all its connections are taken, further callers wait.
   * @param namespace the first key of `pg_advisory_lock(int, int)`, one per kind of lock.
   */
  constructor(
    private readonly pool: Pool | null,
    private readonly namespace: number,
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.runAll([key], task);
  }

  runAll<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const held = sorted.reduceRight<() => Promise<T>>(
      (inner, key) => () => this.local.run(key, inner),
      () => this.acrossProcesses(sorted, task),
    );
    return held();
  }

  private async acrossProcesses<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    if (!this.pool || keys.length === 0) return task();
    const client = await this.pool.connect();
    // A connection whose lock or unlock failed is closed, which releases its locks for sure.
    let broken: Error | undefined;
    const locked: string[] = [];
    try {
      try {
        for (const key of keys) {
          await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [this.namespace, key]);
          locked.push(key);
        }
      } catch (error) {
        broken = error as Error;
        throw error;
      }
      return await task();
    } finally {
      for (const key of locked.reverse())
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [this.namespace, key]).catch((error: Error) => {
          broken = error;
        });
      client.release(broken ?? false);
    }
  }
}
