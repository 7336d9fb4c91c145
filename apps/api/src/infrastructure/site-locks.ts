import type { Pool } from 'pg';
import { KeyedMutex } from './keyed-mutex';

/** Advisory-lock namespace of dose capture (the first key of pg_advisory_lock(int, int)). */
const DOSE_SITE_LOCKS = 0x76786473; // 'vxds'

/**
 * Doses drawn at one site run one after another, across every API replica of the node: in
 * this process by a keyed mutex, between processes by a PostgreSQL session advisory lock
 * keyed by the site (ADR 0004). The lock is session-level, not transaction-level, because a
 * transaction held open for the command would hold back every log reader (ADR 0002). A
 * replica that dies holding it releases it with its connection.
 *
 * On the embedded PGlite there is one process and one database session, so the mutex alone
 * is the whole story there.
 */
export class SiteLocks {
  private readonly local = new KeyedMutex();

  /**
   * @param pool connections used only for the locks (null: this process alone, e.g. PGlite).
   *   It must not be a pool the tasks themselves draw from: with every connection holding a
   *   site's lock, the tasks would wait for a connection forever. When all its connections
   *   are taken, further sites wait for one, which bounds the sites in flight per process.
   */
  constructor(private readonly pool: Pool | null) {}

  run<T>(site: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(site, async () => {
      if (!this.pool) return task();
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [DOSE_SITE_LOCKS, site]);
        try {
          return await task();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DOSE_SITE_LOCKS, site]).catch((error: Error) => {
            broken = error;
          });
        }
      } finally {
        // A connection whose unlock failed is closed, which releases the lock for sure.
        client.release(broken ?? false);
      }
    });
  }
}
