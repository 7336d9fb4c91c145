import { Client } from 'pg';

/** Advisory-lock namespace of the sync role (the first key of pg_try_advisory_lock(int, int)). */
const SYNC_ROLE_LOCK = 0x76787379; // 'vxsy'

export class SyncAlreadyRunningError extends Error {
  readonly code = 'SYNC_ALREADY_RUNNING';
}

/**
 * One process per node runs sync (relay, inbox, history, hub router): an API with
 * SYNC_IN_API=on and a `worker --role sync`, or two sync workers, would each relay the log
 * and answer history requests. The holder keeps a PostgreSQL session advisory lock keyed by
 * the node's sync state (schema, topic prefix, province); it is released when the process
 * stops or dies (its connection closes). A second process waits a little (a restart of the
 * first), then refuses to start, saying which setting to change.
 */
export class SyncLease {
  private constructor(private readonly client: Client) {}

  static async acquire(databaseUrl: string, key: string, waitMs = 10_000): Promise<SyncLease> {
    const client = new Client({ connectionString: databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const rows = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [SYNC_ROLE_LOCK, key]);
      if (rows.rows[0]?.ok) return new SyncLease(client);
      if (Date.now() >= deadline) {
        await client.end().catch(() => undefined);
        throw new SyncAlreadyRunningError(
          `sync for ${key} already runs in another process; run it once per node: set SYNC_IN_API=off on the API when a worker runs --role sync (or all), and start one such worker`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async release(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
