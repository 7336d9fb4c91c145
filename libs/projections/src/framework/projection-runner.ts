import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from '@vaxledger/event-store';
import type { DataSource } from 'typeorm';
import { deferIndexes, restoreDeferredIndexes } from './deferred-indexes';
import type { Projection } from './projection';
import { projectionLanes } from './projection-lanes';
import { ProjectionStatements } from './projection-tx';
import { PositionWaiters, ProjectionLagError } from './position-waiters';

/** What a replay did and where its time went. */
export interface ReplayStats {
  readonly events: number;
  readonly batches: number;
  readonly position: GlobalPosition;
  /** Indexes set aside during the replay and built at its end (0 when nothing started empty). */
  readonly deferredIndexes: number;
  /** Waiting for the log (reads overlap with applying the batch before). */
  readonly readWaitMs: number;
  readonly applyMs: number;
  /** Building the indexes set aside, at the end. */
  readonly indexMs: number;
}

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
  private readonly waiters = new PositionWaiters();
  private stopped = false;
  private lastError: unknown = null;
  /** Set when the projector runs elsewhere: positions are read from the checkpoints. */
  private followEveryMs: number | null = null;
  /** Follower mode: told when a caller starts waiting, so the projector elsewhere looks at the log now. */
  private onFollowWait: (() => void) | null = null;
  /** Told after each live batch commits (the projector thread passes it on to the API's follower). */
  private readonly appliedListeners = new Set<(position: GlobalPosition) => void>();
  private polling = false;
  private readonly statements = new ProjectionStatements();
  /** Set by ReadModels.open on PostgreSQL (not on PGlite, whose socket may share one session). */
  preparedStatements = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projections: readonly Projection[],
    private readonly schema: string,
    private readonly options: { batchSize?: number; onBatch?: (n: number, position: GlobalPosition) => void } = {},
  ) {}

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
    const moved = await this.applyInTransaction(this.projections, events);
    this.advance(moved, events.length);
  }

  /**
   * One transaction: locks the checkpoints of `projections`, applies the events each has not
   * seen, moves their checkpoints. Returns the new positions (to take only after the commit);
   * `timings` collects each projection's apply time when given.
   */
  private async applyInTransaction(
    projections: readonly Projection[],
    events: readonly RecordedEvent[],
    timings?: Map<string, number>,
  ): Promise<Map<string, GlobalPosition>> {
    const moved = new Map<string, GlobalPosition>();
    const advanced = new Map<string, GlobalPosition>();
    await this.dataSource.transaction(async (em) => {
      const tx = this.statements.tx(em, this.schema, this.preparedStatements);
      // Safe without waiting for the flush: rows and checkpoints commit together, and a lost
      // commit is re-applied from the checkpoint it left behind.
      await tx.query('SET LOCAL synchronous_commit = off');
      const rows = await tx.query<{ projection: string; position: string }>(
        `SELECT projection, position FROM "${this.schema}".rm_checkpoint WHERE projection = ANY($1::text[]) FOR UPDATE`,
        [projections.map((p) => p.name)],
      );
      const checkpoints = new Map(rows.map((r) => [r.projection, BigInt(r.position)]));
      for (const projection of projections) {
        const checkpoint = checkpoints.get(projection.name) ?? 0n;
        const fresh = events.filter((e) => e.position > checkpoint);
        if (fresh.length === 0) {
          moved.set(projection.name, checkpoint);
          continue;
        }
        const started = performance.now();
        await projection.apply(tx, fresh);
        timings?.set(projection.name, (timings.get(projection.name) ?? 0) + performance.now() - started);
        const last = fresh[fresh.length - 1]!.position;
        advanced.set(projection.name, last);
        moved.set(projection.name, last);
      }
      // Every projection's checkpoint in one statement (one per batch, not one per projection).
      if (advanced.size > 0)
        await tx.query(
          `UPDATE "${this.schema}".rm_checkpoint c SET position = a.position, "updatedAt" = now()
             FROM unnest($1::text[], $2::bigint[]) AS a(projection, position) WHERE c.projection = a.projection`,
          [[...advanced.keys()], [...advanced.values()].map(String)],
        );
    });
    return moved;
  }

  /** Takes committed positions, reports the batch and wakes the waiters it satisfies. */
  private advance(moved: ReadonlyMap<string, GlobalPosition>, events: number): void {
    // Only after the commit: a failed batch leaves every position where it was.
    for (const [name, position] of moved) this.positions.set(name, position);
    const reached = this.lowestPosition;
    this.options.onBatch?.(events, reached);
    this.waiters.wakeUpTo(reached);
    for (const listener of this.appliedListeners) listener(reached);
  }

  /** Calls `listener` after each batch the live projector commits; returns the way to stop. */
  onApplied(listener: (position: GlobalPosition) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  /**
   * Applies the log from the lowest checkpoint up to its head, in batches, and returns. For a
   * rebuild (after `reset`) or a first start on a long log: projections at position 0 whose
   * tables are empty get their tables without secondary indexes (and without the keys they
   * declare in `keysBuiltAfterRebuild`) until the end, when those are built in one pass. The
   * next batch is read while the current one is applied, and the projections are applied in
   * `parallel` transactions (default 2), each moving its own projections' checkpoints with
   * their rows; a batch counts once all have committed. Not while `start()` is running.
   */
  async replay(
    options: { batchSize?: number; parallel?: number; onBatch?: (events: number, position: GlobalPosition) => void } = {},
  ): Promise<ReplayStats> {
    if (this.subscription) throw new Error('replay() while the projector is running; stop() it first');
    const batchSize = options.batchSize ?? this.options.batchSize ?? 5000;
    const fresh = this.projections.filter((p) => (this.positions.get(p.name) ?? 0n) === 0n);
    const empty: string[] = [];
    for (const table of new Set(fresh.flatMap((p) => p.tables))) {
      const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM "${this.schema}"."${table}" LIMIT 1`);
      if (rows.length === 0) empty.push(table);
    }
    const deferred = await deferIndexes(
      this.dataSource,
      this.schema,
      empty,
      fresh.flatMap((p) => p.keysBuiltAfterRebuild ?? []),
    );
    let events = 0;
    let batches = 0;
    let readWaitMs = 0;
    let applyMs = 0;
    let after = this.lowestPosition;
    const read = (from: GlobalPosition): Promise<RecordedEvent[]> => this.store.readAll({ after: from, limit: batchSize });
    let next = read(after);
    // Projections apply in `parallel` transactions at once (each with its own checkpoints), so
    // the database works on two cores while this process prepares the next statements.
    const parallel = Math.max(1, options.parallel ?? 2);
    let lanes: Projection[][] | null = null;
    const timings = new Map<string, number>();
    try {
      for (;;) {
        const t0 = performance.now();
        const batch = await next;
        const t1 = performance.now();
        readWaitMs += t1 - t0;
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.position;
        next = read(after);
        if (lanes === null) {
          // The first batch in one transaction, timing each projection to balance the lanes.
          this.advance(await this.applyInTransaction(this.projections, batch, timings), batch.length);
        } else {
          const moved = await Promise.all(lanes.map((lane) => this.applyInTransaction(lane, batch, timings)));
          this.advance(new Map(moved.flatMap((m) => [...m])), batch.length);
        }
        // Rebalanced on the last batch: the first holds the master data, later ones mostly doses.
        lanes = projectionLanes(this.projections, parallel, timings);
        timings.clear();
        applyMs += performance.now() - t1;
        events += batch.length;
        batches++;
        options.onBatch?.(batch.length, after);
      }
    } catch (error) {
      // A read still in flight is left to settle unobserved; the indexes are built anyway so
      // that the tables stay fast to read (if this fails too, the next open builds them).
      next.catch(() => undefined);
      await restoreDeferredIndexes(this.dataSource, this.schema).catch(() => undefined);
      throw error;
    }
    const t2 = performance.now();
    await restoreDeferredIndexes(this.dataSource, this.schema, parallel);
    const indexMs = performance.now() - t2;
    return { events, batches, position: this.lowestPosition, deferredIndexes: deferred, readWaitMs, applyMs, indexMs };
  }

  /** Builds indexes a replay set aside and did not get to build (it stopped half-way). */
  restoreDeferredIndexes(): Promise<number> {
    return restoreDeferredIndexes(this.dataSource, this.schema);
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
      onCaughtUp: (position) => this.waiters.wakeUpTo(position),
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
  follow(everyMs = 10, onWait?: () => void): void {
    this.followEveryMs = everyMs;
    this.onFollowWait = onWait ?? null;
    this.stopped = false;
  }

  /**
   * Follower mode: the projector elsewhere committed a batch. Callers waiting are answered from
   * the checkpoints now rather than at the next `everyMs` poll; nothing is read if none waits.
   */
  checkNow(): void {
    if (this.followEveryMs === null || this.waiters.size === 0) return;
    this.refreshFromCheckpoints().then(
      (position) => this.waiters.wakeUpTo(position),
      (error: unknown) => {
        this.lastError = error;
      },
    );
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
      while (this.waiters.size > 0 && !this.stopped) {
        try {
          this.waiters.wakeUpTo(await this.refreshFromCheckpoints());
        } catch (error) {
          this.lastError = error;
        }
        if (this.waiters.size > 0) await new Promise((resolve) => setTimeout(resolve, every));
      }
    };
    void loop().finally(() => {
      this.polling = false;
    });
  }

  /** Resolves when every projection has applied the log up to `position` (or rejects after timeoutMs). */
  waitFor(position: GlobalPosition, timeoutMs: number): Promise<void> {
    if (this.lowestPosition >= position) return Promise.resolve();
    // A stopped projector will not get there: say so now rather than after the timeout.
    if (this.stopped) return Promise.reject(new ProjectionLagError(position, this.lowestPosition));
    const waited = this.waiters.wait(position, timeoutMs, () => this.lowestPosition);
    this.onFollowWait?.();
    this.pollWhileWaited();
    return waited;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
    // Commands still waiting (a node shutting down) are answered at once, not after their timeout.
    this.stopped = true;
    this.waiters.rejectAll();
  }
}
