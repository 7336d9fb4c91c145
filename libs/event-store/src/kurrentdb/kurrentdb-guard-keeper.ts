import type { EventStoreDBClient } from '@eventstore/db-client';
import type { GlobalPosition, NewEvent, SubscribeOptions, Subscription } from '../event-store.port';
import { START } from '../event-store.port';
import type { GuardFacts } from '../postgres/guard-tables';
import { findEvents } from './kurrentdb-claims';
import type { KurrentDbGuardOptions, KurrentDbGuardRows } from './kurrentdb-guards';
import { sleep } from './kurrentdb-records';

// The upkeep of a KurrentDB store's guard rows (docs/adr/0029-kurrentdb-guards.md): the log
// reader that confirms reservations from `$all`, the sweeper of reservations a dead writer left,
// and the wait that keeps a hold behind the doses reserved before it. The reservation itself
// and its release after a failed append stay in KurrentDbEventStore.append.

/** What the keeper uses of the store it serves (an interface: the store imports this module). */
export interface GuardedLog {
  readonly client: EventStoreDBClient;
  subscribe(options: SubscribeOptions): Subscription;
  latestPosition(): Promise<GlobalPosition>;
}

export class KurrentDbGuardKeeper {
  private reader: Subscription | null = null;
  private position: GlobalPosition = START;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    /** The guard rows in PostgreSQL. */
    readonly rows: KurrentDbGuardRows,
    private readonly log: GuardedLog,
    private readonly call: () => { deadline: number },
    /** The sweep limit the store settled on, and the options' retention and upkeep report. */
    private readonly upkeep: Pick<KurrentDbGuardOptions, 'retainAppliedMs' | 'onUpkeep'> & { readonly sweepAfterMs: number },
  ) {}

  private get sweepAfterMs(): number {
    return this.upkeep.sweepAfterMs;
  }

  /**
   * Follows `$all` from where the rows stopped; resolves once they have applied the whole log
   * (a rebuild after a rule change replays all of it), so no command checks rows that miss a
   * recall already in the log. Then sweeps every `sweepEveryMs`.
   */
  async start(sweepEveryMs: number | undefined): Promise<void> {
    const rows = this.rows;
    this.position = await rows.position();
    await new Promise<void>((resolve) => {
      this.reader = this.log.subscribe({
        after: this.position,
        onEvents: async (events) => {
          await rows.confirm(events);
          this.position = events[events.length - 1]!.position;
        },
        onCaughtUp: () => resolve(),
        onError: () => undefined,
      });
    });
    const every = sweepEveryMs ?? Math.max(1_000, Math.floor(this.sweepAfterMs / 4));
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep(this.sweepAfterMs)
        .then(async (swept) => {
          const report = { ...swept, pruned: await this.prune() };
          if (report.released + report.confirmed + report.pruned > 0) this.upkeep.onUpkeep?.(report);
        })
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.sweeping = null;
        });
    }, every);
    this.sweeper.unref();
  }

  /**
   * Settles reservations older than `olderThanMs` (their writer died between reserve and
   * append, or between append and confirm): events found in their stream are confirmed, the
   * others released; so is a reservation for an event the log reader had already applied (a
   * second one for the same event id, after its first row was pruned). Answers how many were
   * released and confirmed.
   */
  async sweep(olderThanMs: number): Promise<{ released: number; confirmed: number }> {
    const rows = this.rows;
    let released = 0;
    let confirmed = 0;
    for (const [streamId, ids] of await rows.staleReservations(olderThanMs)) {
      const found = await findEvents(this.log.client, this.call, streamId, ids);
      const settled = await rows.settle([...found.values()].map((e) => ({ id: e.eventId, position: e.position })));
      confirmed += settled.confirmed;
      released += settled.released;
      released += await rows.release(
        ids.filter((id) => !found.has(id.toLowerCase())),
        olderThanMs,
      );
    }
    return { released, confirmed };
  }

  /**
   * Retention of guard_event (docs/adr/0033-kurrentdb-guard-row-retention.md): deletes applied rows older
   * than `retainAppliedMs` whose event the log reader has passed, a bounded number per call
   * (the sweeper's tick calls it). Answers how many went; nothing when retention is off.
   */
  async prune(limit = 10_000): Promise<number> {
    const retain = this.upkeep.retainAppliedMs;
    if (retain === undefined || retain === null) return 0;
    return this.rows.prune(retain, limit);
  }

  /**
   * A recall or suspension (a hold, now in the rows: later doses are refused) is appended only
   * once the doses of its batches reserved before it have settled (confirmed from the log, or
   * released), so in the log too no dose that passed the guards comes after the recall. Waits
   * at most the sweep limit: a reservation left by a dead writer is settled by then.
   */
  async settleTakesBeforeHold(streamId: string, events: readonly NewEvent[]): Promise<void> {
    const rows = this.rows;
    const batches = [...new Set(events.flatMap((e) => rows.opsOf(streamId, e).flatMap((op) => (op.k === 'hold' ? op.batches : []))))];
    if (batches.length === 0) return;
    const except = events.map((e) => e.eventId.toLowerCase());
    const until = Date.now() + this.sweepAfterMs;
    for (let wait = 2; (await rows.pendingTakes(batches, except)) > 0 && Date.now() < until; wait = Math.min(wait * 2, 100))
      await sleep(wait);
  }

  /** The guard rows of a site's stock of a batch and of a coded unit (reservations included). */
  guardFacts(site: string, batchId: string, traceCode: string | null): Promise<GuardFacts> {
    return this.rows.guardFacts(site, batchId, traceCode);
  }

  /**
   * Waits (at most `timeoutMs`) until the guard rows have applied every event in the log now:
   * the late operations (receipts, lifts, returns) of events appended a moment ago included.
   */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const target = await this.log.latestPosition();
    const until = Date.now() + timeoutMs;
    for (let wait = 2; this.position < target; wait = Math.min(wait * 2, 50)) {
      if (Date.now() > until) return false;
      await sleep(wait);
    }
    return true;
  }

  /** Stops the sweeper (waiting for a sweep under way) and the log reader. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
    await this.reader?.stop();
  }

  /** Closes the guard rows' PostgreSQL pool (after the store's client is disposed). */
  close(): Promise<void> {
    return this.rows.close();
  }
}
