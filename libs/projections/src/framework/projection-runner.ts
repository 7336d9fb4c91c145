import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from '@vaxledger/event-store';
import type { DataSource } from 'typeorm';
import type { Projection, ProjectionTx } from './projection';

export interface ProjectionStatus {
  readonly name: string;
  readonly position: GlobalPosition;
}

/**
 * Keeps a set of projections up to date from the global log. One subscription reads from
 * the lowest checkpoint; each batch is applied to every projection in one transaction per
 * projection, with that projection's checkpoint. Waiters can ask to be woken when every
 * projection has reached a position (commands that must check against caught-up views).
 */
export class ProjectionRunner {
  private subscription: Subscription | null = null;
  private readonly positions = new Map<string, GlobalPosition>();
  private waiters: { position: GlobalPosition; resolve: () => void; reject: () => void }[] = [];
  private stopped = false;
  private lastError: unknown = null;
  /** Set when the projector runs elsewhere: positions are read from the checkpoints. */
  private followEveryMs: number | null = null;
  private polling = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projections: readonly Projection[],
    private readonly schema: string,
    private readonly options: { batchSize?: number; onBatch?: (n: number, position: GlobalPosition) => void } = {},
  ) {}

  private tx(em: DataSource['manager']): ProjectionTx {
    return {
      em,
      table: (name) => `"${this.schema}"."${name}"`,
      // A structured result, so UPDATE/DELETE … RETURNING give rows like SELECT does.
      query: async <T>(sql: string, params?: unknown[]) => {
        const result = await em.queryRunner!.query(sql, params, true);
        return result.records as T[];
      },
    };
  }

  async loadCheckpoints(): Promise<void> {
    for (const projection of this.projections) {
      await this.dataSource.query(
        `INSERT INTO "${this.schema}".rm_checkpoint (projection, position, version) VALUES ($1, 0, $2)
         ON CONFLICT (projection) DO NOTHING`,
        [projection.name, projection.version],
      );
      const rows: { position: string; version: number }[] = await this.dataSource.query(
        `SELECT position, version FROM "${this.schema}".rm_checkpoint WHERE projection = $1`,
        [projection.name],
      );
      const row = rows[0]!;
      if (row.version !== projection.version) {
        // A new version of the read model's rules: rebuild it from the start of the log.
        await this.reset(projection);
      } else this.positions.set(projection.name, BigInt(row.position));
    }
  }

  /** Empties a projection's tables and rewinds its checkpoint to 0. */
  async reset(projection: Projection): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      for (const table of projection.tables) await em.query(`DELETE FROM "${this.schema}"."${table}"`);
      await em.query(`UPDATE "${this.schema}".rm_checkpoint SET position = 0, version = $2, "updatedAt" = now() WHERE projection = $1`, [
        projection.name,
        projection.version,
      ]);
    });
    this.positions.set(projection.name, 0n);
  }

  get lowestPosition(): GlobalPosition {
    let lowest: GlobalPosition | null = null;
    for (const p of this.positions.values()) if (lowest === null || p < lowest) lowest = p;
    return lowest ?? 0n;
  }

  status(): ProjectionStatus[] {
    return this.projections.map((p) => ({ name: p.name, position: this.positions.get(p.name) ?? 0n }));
  }

  get error(): unknown {
    return this.lastError;
  }

  /**
   * Applies one batch to every projection that has not seen it yet, all in one transaction
   * with their checkpoints: one commit per batch instead of one per projection.
   */
  async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const moved = new Map<string, GlobalPosition>();
    const advanced = new Map<string, GlobalPosition>();
    await this.dataSource.transaction(async (em) => {
      // Safe without waiting for the flush: rows and checkpoints commit together, and a lost
      // commit is re-applied from the checkpoint it left behind.
      await em.query('SET LOCAL synchronous_commit = off');
      const rows: { projection: string; position: string }[] = await em.query(
        `SELECT projection, position FROM "${this.schema}".rm_checkpoint WHERE projection = ANY($1::text[]) FOR UPDATE`,
        [this.projections.map((p) => p.name)],
      );
      const checkpoints = new Map(rows.map((r) => [r.projection, BigInt(r.position)]));
      for (const projection of this.projections) {
        const checkpoint = checkpoints.get(projection.name) ?? 0n;
        const fresh = events.filter((e) => e.position > checkpoint);
        if (fresh.length === 0) {
          moved.set(projection.name, checkpoint);
          continue;
        }
        await projection.apply(this.tx(em), fresh);
        const last = fresh[fresh.length - 1]!.position;
        advanced.set(projection.name, last);
        moved.set(projection.name, last);
      }
      // Every projection's checkpoint in one statement (one per batch, not one per projection).
      if (advanced.size > 0)
        await em.query(
          `UPDATE "${this.schema}".rm_checkpoint c SET position = a.position, "updatedAt" = now()
             FROM unnest($1::text[], $2::bigint[]) AS a(projection, position) WHERE c.projection = a.projection`,
          [[...advanced.keys()], [...advanced.values()].map(String)],
        );
    });
    // Only after the commit: a failed batch leaves every position where it was.
    for (const [name, position] of moved) this.positions.set(name, position);
    const reached = this.lowestPosition;
    this.options.onBatch?.(events.length, reached);
    const [ready, waiting] = partition(this.waiters, (w) => w.position <= reached);
    this.waiters = waiting;
    for (const w of ready) w.resolve();
  }

  start(): void {
    if (this.subscription) return;
    this.stopped = false;
    this.subscription = this.store.subscribe({
      after: this.lowestPosition,
      batchSize: this.options.batchSize ?? 1000,
      onEvents: async (events) => {
        await this.applyBatch(events);
        this.lastError = null;
      },
      onCaughtUp: (position) => this.wakeUpTo(position),
      onError: (error) => {
        this.lastError = error;
      },
    });
  }

  /**
   * The projector runs in another thread or process of the node: this runner applies
   * nothing, and learns how far the read models are from their checkpoints, polled every
   * `everyMs` while a caller waits (read-your-writes by position, `waitFor`).
   */
  follow(everyMs = 10): void {
    this.followEveryMs = everyMs;
    this.stopped = false;
  }

  /** Reads the checkpoints once (follower mode); returns the lowest position. */
  async refreshFromCheckpoints(): Promise<GlobalPosition> {
    const rows: { projection: string; position: string }[] = await this.dataSource.query(
      `SELECT projection, position FROM "${this.schema}".rm_checkpoint`,
    );
    const known = new Set(this.projections.map((p) => p.name));
    for (const row of rows) if (known.has(row.projection)) this.positions.set(row.projection, BigInt(row.position));
    return this.lowestPosition;
  }

  private pollWhileWaited(): void {
    if (this.polling || this.followEveryMs === null) return;
    this.polling = true;
    const every = this.followEveryMs;
    const loop = async (): Promise<void> => {
      while (this.waiters.length > 0 && !this.stopped) {
        try {
          this.wakeUpTo(await this.refreshFromCheckpoints());
        } catch (error) {
          this.lastError = error;
        }
        if (this.waiters.length > 0) await new Promise((resolve) => setTimeout(resolve, every));
      }
    };
    void loop().finally(() => {
      this.polling = false;
    });
  }

  private wakeUpTo(position: GlobalPosition): void {
    const [ready, waiting] = partition(this.waiters, (w) => w.position <= position);
    this.waiters = waiting;
    for (const w of ready) w.resolve();
  }

  /** Resolves when every projection has applied the log up to `position` (or rejects after timeoutMs). */
  waitFor(position: GlobalPosition, timeoutMs: number): Promise<void> {
    if (this.lowestPosition >= position) return Promise.resolve();
    // A stopped projector will not get there: say so now rather than after the timeout.
    if (this.stopped) return Promise.reject(new ProjectionLagError(position, this.lowestPosition));
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: () => {
          clearTimeout(timer);
          reject(new ProjectionLagError(position, this.lowestPosition));
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ProjectionLagError(position, this.lowestPosition));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.pollWhileWaited();
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
    // Commands still waiting (a node shutting down) are answered at once, not after their timeout.
    this.stopped = true;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject();
  }
}

export class ProjectionLagError extends Error {
  readonly code = 'PROJECTION_LAG';
  constructor(
    readonly wanted: GlobalPosition,
    readonly reached: GlobalPosition,
  ) {
    super(`read models are behind the log (at ${reached}, need ${wanted}); try again shortly`);
    this.name = 'ProjectionLagError';
  }
}

const partition = <T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] => {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
};
