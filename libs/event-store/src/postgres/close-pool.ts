import type { Pool } from 'pg';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface PoolInternals {
  _pendingQueue?: { callback: (error: Error) => void }[];
}

/**
 * Ends a pg pool without hanging. `pool.end()` alone never answers callers still queued for
 * a connection (pg-pool stops serving its queue once ending), so a command in flight that
 * needs a second connection waits forever and keeps the first one (and any advisory lock on
 * it) checked out. Here the pool keeps serving until it is idle or `graceMs` has passed;
 * whoever still waits then gets an error instead of silence, and the end is bounded.
 */
/** Resolves once no connection of the pool is checked out or waited for (or `graceMs` passed). */
export const waitIdle = async (pool: Pool, graceMs = 5000): Promise<void> => {
  const deadline = Date.now() + graceMs;
  while ((pool.totalCount > pool.idleCount || pool.waitingCount > 0) && Date.now() < deadline) await pause(5);
};

export const closePool = async (pool: Pool, graceMs = 5000): Promise<void> => {
  const deadline = Date.now() + graceMs;
  await waitIdle(pool, graceMs);
  const waiting = (pool as unknown as PoolInternals)._pendingQueue;
  if (waiting && waiting.length > 0) {
    for (const item of waiting.splice(0)) item.callback(new Error('the connection pool is closing'));
  }
  const ended = pool.end().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(100, deadline - Date.now()));
  });
  await Promise.race([ended, late]);
  clearTimeout(timer);
};
