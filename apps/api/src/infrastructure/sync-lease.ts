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
 *
 * On the embedded engine (PGlite) every connection shares one database session, so the
 * advisory lock is re-entrant for everyone and tells no holders apart. The keys held in this
 * process are therefore also kept here; across processes the embedded default's DATA_DIR lock
 * already allows only one.
 */
const heldHere = new Set<string>();

export class SyncLease {
  private constructor(
    private readonly client: Client,
    private readonly name: string,
  ) {}

  static async acquire(databaseUrl: string, key: string, waitMs = 10_000): Promise<SyncLease> {
    const client = new Client({ connectionString: databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    const deadline = Date.now() + waitMs;
    const name = `${databaseUrl}\u0000${key}`;
    for (;;) {
      if (!heldHere.has(name)) {
        const rows = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [SYNC_ROLE_LOCK, key]);
        if (rows.rows[0]?.ok) {
          if (!heldHere.has(name)) {
            heldHere.add(name);
            return new SyncLease(client, name);
          }
          // Taken in this process meanwhile (only possible on a shared session): give the count back.
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SYNC_ROLE_LOCK, key]);
        }
      }
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
    heldHere.delete(this.name);
    await this.client.end().catch(() => undefined);
  }
}
