import { randomUUID } from 'node:crypto';
import {
  CHECKPOINT_EVENT_TYPE,
  chainOver,
  checkpointOf,
  checkpointStream,
  type EventStore,
  GENESIS_HEAD,
  type GlobalPosition,
  isCheckpointStream,
  leafHashOf,
  type LeafRecord,
  type LogCheckpoint,
  StreamConflictError,
} from '@vaxledger/event-store';
import type { EnvelopeSigner } from '../signing/envelope-signing';

export interface CheckpointerOptions {
  readonly provinceCode: string;
  readonly signer: EnvelopeSigner;
  /** A checkpoint as soon as this many events await one (and never more in one). */
  readonly everyEvents: number;
  /** A checkpoint at least this often while any event awaits one. */
  readonly everyMs: number;
  /** How often the log is looked at (default: a fifth of `everyMs`, 200 ms to 2 s). */
  readonly pollMs?: number;
  /**
   * While others append, the most of the time the checkpointer spends signing (default
   * BUSY_SHARE): after a look that signed behind writers and took `t` ms, the next one waits at
   * least `t × (1 − share) / share`, however short `pollMs` is. So on a slow machine, where each
   * checkpoint takes longer, it signs fewer of a burst's events while the burst lasts rather than
   * slowing the writers more (docs/adr/0035-tamper-log-cost-floor.md, amendment).
   */
  readonly busyShare?: number;
  readonly onCheckpoint?: (checkpoint: LogCheckpoint) => void;
  readonly onError?: (error: unknown) => void;
  readonly now?: () => Date;
}

/** Default `busyShare`: a twentieth of the time while writers append. */
export const BUSY_SHARE = 0.05;

/**
 * What one look did: signed behind writers (`busy`, the only kind that is paced), caught a quiet
 * log up (`quiet`), or neither (`none`: nothing due, or the first look after a start).
 */
type Look = 'busy' | 'quiet' | 'none';

/**
 * The wait before the next look: `pollMs`, or after a busy look of `tookMs` long enough that
 * signing takes at most `share` of the time.
 */
export const nextLookDelay = (pollMs: number, look: Look, tookMs: number, share: number): number =>
  look === 'busy' ? Math.max(pollMs, Math.ceil((tookMs * (1 - share)) / share)) : pollMs;

interface ChainState {
  sequence: number;
  head: string;
  /** Origin position the last checkpoint ends at. */
  toPosition: GlobalPosition;
  at: number;
}

/**
 * Signs this province's log after the fact (ADR 0019, 0023): reads what committed since its last
 * checkpoint, computes the leaf hash of each event this province originated (the append computes
 * none), chains them, and appends a signed `LogCheckpointed` event to
 * `logcheckpoint-<province>`, which the relay publishes like any other. It never stands in an
 * append's way: it reads the log behind the writers and takes no lock. Its state is the last checkpoint in the log, so a
 * restart (or a second node that lost the race: the append expects the revision) carries on.
 */
export class LogCheckpointer {
  private state: ChainState | null = null;
  private pending: [string, string][] = [];
  private pendingTo: GlobalPosition = 0n;
  private readCursor: GlobalPosition = 0n;
  /** Read but not yet taken (the rest of a page a full checkpoint stopped in), in log order. */
  private unread: LeafRecord[] = [];
  /** The page after `after`, asked for while the previous checkpoint was signed and appended. */
  private ahead: { after: GlobalPosition; page: Promise<LeafRecord[]> } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  /** Log position of the last checkpoint this instance appended. */
  private lastWritten: GlobalPosition | null = null;
  /** False while a look signs behind writers: the next page is read at the next look, not at once. */
  private readingAhead = true;

  constructor(
    private readonly store: EventStore,
    private readonly options: CheckpointerOptions,
  ) {}

  private get now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async load(): Promise<ChainState> {
    const events = await this.store.readStream(checkpointStream(this.options.provinceCode));
    const last = events.length > 0 ? checkpointOf(events[events.length - 1]!.data) : null;
    const state = last
      ? { sequence: last.sequence, head: last.head, toPosition: BigInt(last.toPosition), at: Date.parse(last.signedAt) }
      : { sequence: 0, head: GENESIS_HEAD, toPosition: 0n, at: this.now.getTime() };
    this.pending = [];
    this.pendingTo = state.toPosition;
    this.readCursor = state.toPosition;
    this.unread = [];
    this.ahead = null;
    return state;
  }

  /** A page of the log with each event's leaf: computed by the store when it can, else here. */
  private async readLeaves(after: GlobalPosition): Promise<LeafRecord[]> {
    const options = { after, limit: Math.min(1000, this.options.everyEvents) };
    if (this.store.readLeaves) return this.store.readLeaves(options);
    return (await this.store.readAll(options)).map((e) => ({ ...e, leaf: leafHashOf(e) }));
  }

  /** Where the next page starts: after what was read, taken or not. */
  private get readEnd(): GlobalPosition {
    return this.unread.length > 0 ? this.unread[this.unread.length - 1]!.position : this.readCursor;
  }

  /** The next page: the one read ahead if it starts there, else read now. */
  private nextPage(): Promise<LeafRecord[]> {
    const after = this.readEnd;
    const ahead = this.ahead;
    this.ahead = null;
    return ahead && ahead.after === after ? ahead.page : this.readLeaves(after);
  }

  /**
   * Asks for the next page before a full checkpoint is signed and appended, so that while the
   * log is behind, the store computes the next leaves meanwhile instead of after
   * (docs/adr/0028-log-leaves-in-sql.md). Its error, if any, surfaces when it is used.
   */
  private readAhead(): void {
    const after = this.readEnd;
    const page = this.readLeaves(after);
    page.catch(() => undefined);
    this.ahead = { after, page };
  }

  private owns(e: Pick<LeafRecord, 'metadata' | 'streamId'>): boolean {
    const origin = typeof e.metadata.originProvince === 'string' ? e.metadata.originProvince : this.options.provinceCode;
    return origin === this.options.provinceCode && !isCheckpointStream(e.streamId);
  }

  /** Reads what is new and writes a checkpoint when one is due (`force`: whenever any event awaits one). */
  async runOnce(force = false): Promise<LogCheckpoint | null> {
    this.state ??= await this.load();
    const { everyEvents } = this.options;
    while (this.pending.length < everyEvents) {
      if (this.unread.length === 0) {
        const page = await this.nextPage();
        if (page.length === 0) break;
        this.unread = page;
      }
      let taken = 0;
      while (taken < this.unread.length && this.pending.length < everyEvents) {
        const e = this.unread[taken++]!;
        this.readCursor = e.position;
        if (!this.owns(e)) continue;
        this.pending.push([e.eventId.toLowerCase(), e.leaf]);
        this.pendingTo = e.position;
      }
      this.unread = this.unread.slice(taken);
    }
    const due = this.pending.length >= everyEvents || force || this.now.getTime() - this.state.at >= this.options.everyMs;
    if (this.pending.length === 0 || !due) return null;
    if (this.pending.length >= everyEvents && !this.ahead && this.readingAhead) this.readAhead();
    return this.write();
  }

  private async write(): Promise<LogCheckpoint> {
    const state = this.state!;
    const leaves = this.pending;
    const body = {
      origin: this.options.provinceCode,
      sequence: state.sequence + 1,
      fromPosition: state.toPosition.toString(),
      toPosition: this.pendingTo.toString(),
      count: leaves.length,
      previousHead: state.head,
      head: chainOver(
        state.head,
        leaves.map(([, leaf]) => leaf),
      ),
      signedAt: this.now.toISOString(),
    };
    const checkpoint: LogCheckpoint = { ...body, ...this.options.signer.signCheckpoint(body), leaves };
    const province = this.options.provinceCode;
    try {
      const appended = await this.store.append(
        checkpointStream(province),
        [
          {
            eventId: randomUUID(),
            type: CHECKPOINT_EVENT_TYPE,
            schemaVersion: 1,
            data: checkpoint,
            metadata: {
              correlationId: randomUUID(),
              actor: { orgCode: province, role: 'node', provinceCode: province },
              originProvince: province,
            },
          },
        ],
        { expected: state.sequence === 0 ? 'no-stream' : state.sequence - 1 },
      );
      this.lastWritten = appended.position;
    } catch (error) {
      // Another checkpointer got there first: start again from what it wrote.
      this.state = null;
      if (error instanceof StreamConflictError) return this.runOnce(true).then((c) => c ?? checkpoint);
      throw error;
    }
    this.state = { sequence: body.sequence, head: body.head, toPosition: this.pendingTo, at: this.now.getTime() };
    this.pending = [];
    this.options.onCheckpoint?.(checkpoint);
    return checkpoint;
  }

  /** True when nothing but this instance's own last checkpoint was appended since it. */
  private async logIsQuiet(): Promise<boolean> {
    return this.lastWritten !== null && (await this.store.headPosition()) === this.lastWritten;
  }

  /**
   * One look at the log. While writers append, a look signs at most one checkpoint, so a burst is
   * signed behind them, out of their way (docs/adr/0035-tamper-log-cost-floor.md). When nothing
   * but its own last checkpoint was appended since the previous look (the burst is over), the
   * backlog is signed at once, full checkpoint after full checkpoint, for as long as the log stays
   * quiet: the window of unsigned events then closes in seconds instead of one checkpoint per look.
   */
  private async look(): Promise<Look> {
    // The first look after a start cannot tell a busy log from a quiet one; it is not paced.
    const first = this.lastWritten === null;
    let quiet = await this.logIsQuiet();
    // Behind writers, the page after a checkpoint is read at the next look (within the share of
    // time the look is paced to), not in the background right away.
    this.readingAhead = quiet;
    try {
      for (;;) {
        const checkpoint = await this.runOnce();
        if (!checkpoint) return 'none';
        if (!quiet) return first ? 'none' : 'busy';
        if (checkpoint.count < this.options.everyEvents || !this.timer) return 'quiet';
        quiet = await this.logIsQuiet();
        this.readingAhead = quiet;
      }
    } finally {
      this.readingAhead = true;
    }
  }

  /** Polls the log until `stop`. */
  start(): void {
    const pollMs = this.options.pollMs ?? Math.min(2000, Math.max(200, Math.floor(this.options.everyMs / 5)));
    const share = this.options.busyShare ?? BUSY_SHARE;
    const tick = (): void => {
      const started = performance.now();
      let look: Look = 'none';
      this.running = this.look()
        .then((done) => {
          look = done;
        })
        .catch((error: unknown) => {
          this.state = null;
          this.options.onError?.(error);
        })
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, nextLookDelay(pollMs, look, performance.now() - started, share));
        });
    };
    this.timer = setTimeout(tick, pollMs);
  }

  /**
   * Stops looking at the log. With `signPending` (a node shutting down), it first signs every own
   * event still awaiting a checkpoint, for at most `withinMs`, so a graceful stop leaves no
   * unsigned window behind it until the next start's first checkpoint; a failure is reported
   * through `onError` and does not stop the stop.
   */
  async stop(options: { readonly signPending?: boolean; readonly withinMs?: number } = {}): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    if (options.signPending) {
      const until = Date.now() + (options.withinMs ?? 5_000);
      try {
        while (Date.now() < until && (await this.runOnce(true)) !== null);
      } catch (error) {
        this.state = null;
        this.options.onError?.(error);
      }
    }
    await this.ahead?.page.catch(() => undefined);
  }
}
