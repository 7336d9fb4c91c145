import { ConsumerLinkTracker } from './consumer-link-tracker';

/** Per origin, as `/health` and `/metrics` report it (see InboxLinkTracker.lag). */
export interface OriginLag {
  readonly origin: string;
  /** When this node last imported an event of the origin (RFC 3339). */
  readonly lastImportedAt: string | null;
  /** The origin's recorded time of the newest event imported from it (over all partitions). */
  readonly upTo: string | null;
  /** Time from the origin recording that newest event to its import here (fixed once imported). */
  readonly transitSeconds: number | null;
  /**
   * How stale this node's copy of the origin may be: seconds since the inbox last heard from the
   * broker with nothing of the origin's topic left to import (0 to about a second while current,
   * growing while the broker is silent or the inbox is behind). Null before the inbox started.
   */
  readonly lagSeconds: number | null;
}

export interface InboxReading {
  /** This province: never an origin of its own inbox. */
  readonly provinceCode: string;
  /** Origins always reported (the peers read), besides any origin an event was imported from. */
  readonly origins: readonly string[];
  /** The topics the inbox reads. */
  readonly topics: readonly string[];
  /**
   * The topic carrying only this origin's events when the inbox reads one (peer mode); null when
   * its events come mixed with others' (the hub's forward topic), so every topic read counts.
   */
  readonly topicOf: (origin: string) => string | null;
}

/**
 * The inbox consumer's link state plus how current its copy of each origin is. An origin is
 * current as of the last time the broker answered a fetch while no partition of its topic was
 * left behind (the last batch of each reached the high watermark): so its lag grows while the
 * broker is silent or the inbox trails, instead of keeping the value of the last import.
 */
export class InboxLinkTracker extends ConsumerLinkTracker {
  /** Partitions (topic:partition) whose last batch ended short of the high watermark. */
  private readonly behind = new Set<string>();
  /** Per topic: the last time the broker answered while nothing of the topic was left to import. */
  private readonly currentAt = new Map<string, number>();
  /** Per origin: the newest of its events imported, and when. */
  private readonly lastImported = new Map<string, { at: number; recordedAt: string; transitSeconds: number }>();

  constructor(
    private readonly reading: InboxReading,
    now: () => number = Date.now,
  ) {
    super(now);
  }

  /** A partition's batch is done: `offsetLag` messages remain after it (0: the partition is current). */
  batchDone(topic: string, partition: number, offsetLag: number): void {
    const key = `${topic}:${partition}`;
    if (offsetLag > 0) this.behind.add(key);
    else this.behind.delete(key);
  }

  /** An event of `origin`, recorded there at `recordedAt`, was imported now. */
  imported(origin: string, recordedAt: string): void {
    // The newest of the origin's events imported, whichever partition delivered it last.
    const known = this.lastImported.get(origin);
    const now = this.now();
    if (!known || Date.parse(recordedAt) >= Date.parse(known.recordedAt))
      this.lastImported.set(origin, { at: now, recordedAt, transitSeconds: Math.max(0, (now - Date.parse(recordedAt)) / 1000) });
    else this.lastImported.set(origin, { ...known, at: now });
  }

  /**
   * Per origin: the newest event imported from it and, in `lagSeconds`, how stale this node's
   * copy may be now (it grows while the broker is silent, rather than keeping the value of the
   * last import).
   */
  lag(): OriginLag[] {
    const { provinceCode, topics } = this.reading;
    const origins = [...new Set([...this.reading.origins, ...this.lastImported.keys()])].filter((o) => o !== provinceCode).sort();
    const now = this.now();
    const startedAt = this.startedAt;
    return origins.map((origin) => {
      const last = this.lastImported.get(origin);
      // An origin's own topic when it has one, else every topic read (the hub's forward topic).
      const own = this.reading.topicOf(origin);
      const of = own !== null && topics.includes(own) ? [own] : topics;
      const currents = of.map((t) => this.currentAt.get(t) ?? startedAt);
      const current = currents.some((c) => c === null) ? startedAt : Math.min(...(currents as number[]));
      return {
        origin,
        lastImportedAt: last ? new Date(last.at).toISOString() : null,
        upTo: last?.recordedAt ?? null,
        transitSeconds: last?.transitSeconds ?? null,
        lagSeconds: current === null ? null : Math.max(0, (now - current) / 1000),
      };
    });
  }

  /** A new assignment: what was behind is known again from the next batches. */
  protected override joined(): void {
    this.behind.clear();
    super.joined();
  }

  /** The broker answered a fetch: every topic with no partition behind is current as of now. */
  protected override fetched(): void {
    super.fetched();
    const now = this.now();
    for (const topic of this.reading.topics) if (![...this.behind].some((tp) => tp.startsWith(`${topic}:`))) this.currentAt.set(topic, now);
  }
}
