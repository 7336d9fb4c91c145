import {
  type AppendExpectedRevision,
  type AppendResult as ClientAppendResult,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START as CLIENT_START,
} from '@eventstore/db-client';
import { AppendTooLargeError, EventIdConflictError, EventStoreError, StoreUnavailableError, StreamConflictError } from '../errors';
import type { GuardFacts } from '../postgres/guard-tables';
import { type KurrentDbGuardOptions, KurrentDbGuardRows } from './kurrentdb-guards';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreCapabilities,
  GlobalPosition,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { START } from '../event-store.port';
import { KurrentDbSubscription } from './kurrentdb-subscription';
import { fromPosition, positionOf, translate } from './kurrentdb-mapping';
import { awaitClaimedEvents, CLAIM_STREAM_PREFIX, claimEventId, releaseClaims } from './kurrentdb-claims';
import { KurrentDbGuardKeeper } from './kurrentdb-guard-keeper';
import {
  contentHash,
  drain,
  isMaxAppendSizeExceeded,
  isStreamNotFound,
  isWrongExpectedVersion,
  redact,
  storedMetadata,
  toRecorded,
  UUID,
} from './kurrentdb-records';

export { contentHash, toRecorded } from './kurrentdb-records';

/**
 * The product's stream categories (libs/domain/src/streams.ts), as name prefixes: the
 * adapter reads and subscribes to these only, so system streams (`$...`) and its own
 * event-id claim streams never reach projections or sync.
 */
export const PRODUCT_STREAM_PREFIXES = ['org-', 'product-', 'batch-', 'lotrelease-', 'site-', 'recall-', 'person-', 'audit-'] as const;

export { CLAIM_STREAM_PREFIX } from './kurrentdb-claims';

export interface KurrentDbEventStoreOptions {
  /** `esdb://host:port?tls=false`, `esdb+discover://...` or `kurrentdb://...` (KurrentDB's own scheme). */
  readonly connectionString: string;
  /** Stream-name prefixes of the product (default PRODUCT_STREAM_PREFIXES). */
  readonly streamPrefixes?: readonly string[];
  /** Deadline of each call in milliseconds (default 10 000). Unavailable servers fail at once. */
  readonly deadlineMs?: number;
  /**
   * How old a claim on an event id may get before another writer may take it over when
   * the event never arrived in its stream (the claimant died between claim and append).
   * Must exceed the deadline. Default: deadline + 5 s.
   */
  readonly staleClaimMs?: number;
  /**
   * Guard rows in PostgreSQL (docs/adr/0029-kurrentdb-guards.md): every append reserves its
   * events' guard operations there first, keyed by event id, and `capabilities.guards` is true.
   * Absent: no guard rows, and commands check the read models (ADR 0004).
   */
  readonly guards?: Omit<KurrentDbGuardOptions, 'sweepAfterMs'> & { readonly sweepAfterMs?: number };
}

/**
 * The event store on KurrentDB (EventStoreDB) through `@eventstore/db-client`.
 *
 * - Positions: the port's GlobalPosition is the event's commit position, which equals its
 *   prepare position on KurrentDB unless explicit transactions are used (they are not);
 *   back to the client as { commit: p, prepare: p }. See docs/adr/0007.
 * - Idempotency by event id, across streams: KurrentDB deduplicates only the same ids at
 *   the same expected revision of the same stream, so each id is first claimed in a
 *   stream of its own (`vxeventid-<id>`, created with NO_STREAM, which only one writer
 *   can win). A loser of the claim with the same content waits for the winner's events
 *   and answers them as a replay; different content is an EventIdConflictError.
 * - Appends are one KurrentDB append, atomic; a stale expected revision is a
 *   StreamConflictError; an unreachable server is a StoreUnavailableError at once.
 */
export class KurrentDbEventStore implements EventStore {
  // KurrentDB writes through one writer: an event is readable only after every lower position is.
  readonly capabilities: EventStoreCapabilities;
  private readonly prefixes: readonly string[];
  /** The guard rows in PostgreSQL and their upkeep; null when the store runs without guards. */
  private guards: KurrentDbGuardKeeper | null = null;
  private readonly sweepAfterMs: number;
  private readonly deadlineMs: number;
  private readonly staleClaimMs: number;
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  private closed = false;

  private constructor(
    readonly client: EventStoreDBClient,
    options: KurrentDbEventStoreOptions,
  ) {
    this.prefixes = options.streamPrefixes ?? PRODUCT_STREAM_PREFIXES;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.staleClaimMs = options.staleClaimMs ?? this.deadlineMs + 5_000;
    // A reservation is settled only once no append with its ids can still land: past the call
    // deadline and past the point where a stale claim may be taken over by a retry.
    this.sweepAfterMs = options.guards?.sweepAfterMs ?? this.staleClaimMs + 5_000;
    this.capabilities = { adapter: 'kurrentdb', concurrentTransactions: false, guards: options.guards !== undefined };
  }

  /** Opens the client and checks the server answers; a StoreUnavailableError when it does not. */
  static async connect(options: KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
    let client: EventStoreDBClient;
    try {
      // The client knows esdb:// only; kurrentdb:// is the same URL under KurrentDB's new name.
      const url = options.connectionString.replace(/^kurrentdb(\+discover)?:\/\//, 'esdb$1://');
      client = EventStoreDBClient.connectionString(url);
    } catch (error) {
      // A configuration mistake, not an append: said plainly, at start-up.
      throw new Error(`KURRENTDB_URL is not a valid connection string: ${(error as Error).message}`);
    }
    const store = new KurrentDbEventStore(client, options);
    try {
      await store.latestPosition();
    } catch (error) {
      await client.dispose().catch(() => undefined);
      const cause = error instanceof EventStoreError && error.cause instanceof Error ? error.cause.message : (error as Error).message;
      // One line: the start-up prints it as the reason the process stops.
      throw new StoreUnavailableError(
        `KurrentDB at ${redact(options.connectionString)} cannot be reached: ${cause.replace(/\s+/g, ' ').trim()}`,
        error,
      );
    }
    if (options.guards) {
      try {
        await store.startGuards(options.guards);
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return store;
  }

  /**
   * Opens the guard rows and follows `$all` from where they stopped; resolves once they have
   * applied the whole log (a rebuild after a rule change replays all of it), so no command
   * checks rows that miss a recall already in the log.
   */
  private async startGuards(options: KurrentDbGuardOptions): Promise<void> {
    const guards = new KurrentDbGuardKeeper(await KurrentDbGuardRows.open(options), this, () => this.call(), {
      ...options,
      sweepAfterMs: this.sweepAfterMs,
    });
    this.guards = guards;
    await guards.start(options.sweepEveryMs);
  }

  /**
   * Settles reservations older than the sweep limit (their writer died between reserve and
   * append, or between append and confirm): events found in their stream are confirmed, the
   * others released. Answers how many were released and confirmed.
   */
  async sweepReservations(olderThanMs: number = this.sweepAfterMs): Promise<{ released: number; confirmed: number }> {
    if (!this.guards) return { released: 0, confirmed: 0 };
    return this.guards.sweep(olderThanMs);
  }

  /** Prunes applied guard rows past their retention now (the sweeper's tick does it too). */
  async pruneGuardRows(limit?: number): Promise<number> {
    if (!this.guards) return 0;
    return this.guards.prune(limit);
  }

  /** The guard rows of a site's stock of a batch and of a coded unit (reservations included). */
  async guardFacts(site: string, batchId: string, traceCode: string | null): Promise<GuardFacts> {
    if (!this.guards) throw new EventStoreError('INVALID_APPEND', 'this KurrentDB store keeps no guard rows');
    return this.guards.guardFacts(site, batchId, traceCode);
  }

  /**
   * Waits (at most `timeoutMs`) until the guard rows have applied every event in the log now:
   * the late operations (receipts, lifts, returns) of events appended a moment ago included.
   */
  async guardsCatchUp(timeoutMs = 5_000): Promise<boolean> {
    if (!this.guards) return true;
    return this.guards.catchUp(timeoutMs);
  }

  isProductStream(streamId: string): boolean {
    return this.prefixes.some((p) => streamId.startsWith(p));
  }

  get streamPrefixes(): readonly string[] {
    return this.prefixes;
  }

  private call(): { deadline: number } {
    return { deadline: this.deadlineMs };
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new EventStoreError('INVALID_APPEND', 'append needs at least one event');
    if (!streamId || streamId.startsWith('$') || streamId.startsWith(CLAIM_STREAM_PREFIX))
      throw new EventStoreError('INVALID_APPEND', `stream ${streamId} is reserved`);
    // Readers see the product's categories only: an event elsewhere would be stored but never read.
    if (!this.isProductStream(streamId))
      throw new EventStoreError(
        'INVALID_APPEND',
        `stream ${streamId} is outside the categories this store serves (${this.prefixes.join(', ')})`,
      );
    const ids = new Set<string>();
    for (const e of events) {
      if (!UUID.test(e.eventId)) throw new EventStoreError('INVALID_APPEND', `event id ${e.eventId} is not a UUID`);
      if (ids.has(e.eventId.toLowerCase()))
        throw new EventStoreError('INVALID_APPEND', `event id ${e.eventId} appears twice in one append`);
      ids.add(e.eventId.toLowerCase());
    }
    const expected = options.expected ?? 'any';
    // Guard rows first: a refused check appends nothing; a retry with the same ids reserves nothing again.
    const reserved = this.guards ? await this.guards.rows.reserve(streamId, events, options.enforceGuards ?? null) : [];
    try {
      if (reserved.length > 0) await this.guards?.settleTakesBeforeHold(streamId, events);
      return await this.appendClaimed(streamId, events, expected);
    } catch (error) {
      const failure = translate(error, `append to ${streamId}`);
      // These prove the events were not written: their reservations go back at once. After any
      // other failure the append may have landed; the log reader or the sweeper settles them.
      const definite =
        failure instanceof StreamConflictError || failure instanceof AppendTooLargeError || failure instanceof EventIdConflictError;
      if (definite && reserved.length > 0) await this.guards?.rows.release(reserved).catch(() => undefined);
      throw failure;
    }
  }

  private async appendClaimed(
    streamId: string,
    events: readonly NewEvent[],
    expected: NonNullable<AppendOptions['expected']>,
  ): Promise<AppendResult> {
    const hashes = events.map((e) => contentHash(streamId, e));
    for (let round = 0; ; round++) {
      const claims = await Promise.allSettled(
        events.map((e, i) => claimEventId(this.client, () => this.call(), this.staleClaimMs, e.eventId, streamId, hashes[i]!)),
      );
      const failed = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
      const owned = claims.flatMap((c, i) =>
        c.status === 'fulfilled' && c.value.owned ? [{ id: events[i]!.eventId, rev: c.value.claimRevision }] : [],
      );
      if (failed) {
        await releaseClaims(this.client, () => this.call(), owned);
        throw failed.reason;
      }
      const others = claims.flatMap((c) => (c.status === 'fulfilled' && !c.value.owned ? [c.value.claim] : []));
      if (others.length === 0) return this.write(streamId, events, expected, owned);
      // Someone claimed these ids with the same content: wait for their events, or for the claim to go stale.
      const found = await awaitClaimedEvents(this.client, () => this.call(), this.staleClaimMs, streamId, events, others);
      if (found === 'stale') {
        await releaseClaims(this.client, () => this.call(), owned);
        if (round >= 3) throw new StoreUnavailableError(`append to ${streamId}: event id claims kept changing hands`);
        continue;
      }
      await releaseClaims(this.client, () => this.call(), owned);
      return found;
    }
  }

  private async write(
    streamId: string,
    events: readonly NewEvent[],
    expected: NonNullable<AppendOptions['expected']>,
    owned: readonly { id: string; rev: bigint }[],
  ): Promise<AppendResult> {
    const expectedRevision: AppendExpectedRevision =
      expected === 'any' ? 'any' : expected === 'no-stream' ? NO_STREAM : expected === 'stream-exists' ? 'stream_exists' : BigInt(expected);
    let result: ClientAppendResult;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((e) => ({
          id: e.eventId.toLowerCase(),
          contentType: 'application/json' as const,
          type: e.type,
          data: (e.data ?? null) as Record<string, unknown>,
          metadata: storedMetadata(e) as unknown as Record<string, unknown>,
        })),
        { expectedRevision, ...this.call() },
      );
    } catch (error) {
      // A wrong expected version or a refusal for size proves nothing was written: the claims
      // go back at once, so a retry with the same ids is not held up. After any other failure
      // the events may be stored, so the claims stay (they go stale if the events never arrived).
      if (isWrongExpectedVersion(error)) {
        await releaseClaims(this.client, () => this.call(), owned);
        const actual = (error as { actualVersion?: bigint | string }).actualVersion;
        throw new StreamConflictError(streamId, String(expected), typeof actual === 'bigint' ? Number(actual) : null);
      }
      if (isMaxAppendSizeExceeded(error)) {
        await releaseClaims(this.client, () => this.call(), owned);
        throw translate(error, streamId);
      }
      throw error;
    }
    const revision = Number(result.nextExpectedRevision);
    let position = result.position ? positionOf(result.position) : null;
    if (events.length > 1 || position === null) {
      // Read the last event back rather than trust what a server version reports for a multi-event write.
      const [last] = await this.readStream(streamId, { fromRevision: revision, maxCount: 1 });
      if (!last) throw new StoreUnavailableError(`append to ${streamId}: event at revision ${revision} not readable after the write`);
      position = last.position;
    }
    return { streamId, revision, position, eventIds: events.map((e) => e.eventId), replayed: false };
  }

  async readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    if (options.maxCount === 0) return [];
    const out: RecordedEvent[] = [];
    try {
      const stream = this.client.readStream(streamId, {
        direction: FORWARDS,
        fromRevision: options.fromRevision ? BigInt(options.fromRevision) : CLIENT_START,
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
        ...this.call(),
      });
      for (const resolved of await drain(stream)) out.push(toRecorded(resolved));
      return out;
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw translate(error, `read of ${streamId}`);
    }
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    // The 6.x client reads $all unfiltered: page through it and keep the product's events.
    const out: RecordedEvent[] = [];
    let from = after;
    const page = Math.min(Math.max(limit * 2, 64), 4096);
    try {
      for (;;) {
        const events = await drain(
          this.client.readAll({ fromPosition: fromPosition(from), maxCount: page + 1, direction: FORWARDS, ...this.call() }),
        );
        let lastPosition = from;
        for (const resolved of events) {
          const raw = resolved.event;
          if (!raw?.position) continue;
          const position = positionOf(raw.position);
          // Reads from a position include the event at it: the port reads strictly after.
          if (position <= from) continue;
          lastPosition = position;
          if (!this.isProductStream(raw.streamId)) continue;
          out.push(toRecorded(resolved));
          if (out.length === limit) return out;
        }
        if (events.length < page + 1 || lastPosition === from) return out;
        from = lastPosition;
      }
    } catch (error) {
      throw translate(error, 'read of $all');
    }
  }

  async headPosition(): Promise<GlobalPosition> {
    return this.latestPosition();
  }

  /** Position of the newest product event; KurrentDB has no appends in flight behind it. */
  async latestPosition(): Promise<GlobalPosition> {
    try {
      let from: { commit: bigint; prepare: bigint } | typeof END = END;
      for (;;) {
        const events = await drain(this.client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: 64, ...this.call() }));
        let oldest: bigint | null = null;
        for (const resolved of events) {
          const raw = resolved.event;
          if (!raw?.position) continue;
          oldest = positionOf(raw.position);
          if (this.isProductStream(raw.streamId)) return oldest;
        }
        if (events.length < 64 || oldest === null) return START;
        from = { commit: oldest, prepare: oldest };
      }
    } catch (error) {
      throw translate(error, 'read of the head of $all');
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    const subscription = new KurrentDbSubscription(this.client, this.prefixes, options, toRecorded, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.guards?.stop();
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    // dispose() waits for every open call to finish; do not let a stuck one hold shutdown up.
    await Promise.race([this.client.dispose().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    await this.guards?.close();
  }
}
