/**
 * The one port every event-store adapter implements (postgres on pg, PGlite through the
 * same pg code, memory for unit tests, KurrentDB later). The contract suite in
 * `contract/event-store.contract.ts` runs against each, so they cannot drift apart.
 */

import type { GuardEnforcement } from './guards/guard-ops';

/** Place in the node's global log. Strictly increasing in read order; never reused. */
export type GlobalPosition = bigint;

export const START: GlobalPosition = 0n;

export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: { orgCode: string; role: string; provinceCode: string; siteCode?: string; staffRef?: string };
  /** GB/T 2260 province code of the node that owns the stream (the writer). */
  readonly originProvince?: string;
  /** Origin's global position when imported from another province. */
  readonly originPosition?: string;
  readonly occurredAt?: string;
  readonly [key: string]: unknown;
}

export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  /** 0-based revision inside its stream. */
  readonly revision: number;
  readonly position: GlobalPosition;
  readonly recordedAt: Date;
}

/**
 * - `any`: no check;
 * - `no-stream`: the stream must not exist yet;
 * - `stream-exists`: it must exist;
 * - a number: the revision of the stream's last event must be exactly that.
 */
export type ExpectedRevision = 'any' | 'no-stream' | 'stream-exists' | number;

export interface AppendOptions {
  readonly expected?: ExpectedRevision;
  /**
   * Check the guards with the append (takes of stock, draws of coded units, holds on
   * batches): a refusal is a GuardViolationError and appends nothing. Only on adapters with
   * `capabilities.guards`; the others ignore it (ADR 0011, ADR 0029).
   */
  readonly enforceGuards?: GuardEnforcement;
}

export interface AppendResult {
  readonly streamId: string;
  /** Revision of the last event appended (or of the original append on a replay). */
  readonly revision: number;
  /** Global position of the last event appended. */
  readonly position: GlobalPosition;
  readonly eventIds: readonly string[];
  /** True when every event id was already stored with the same content: nothing was appended. */
  readonly replayed: boolean;
}

/** An event of the global log with its leaf hash, for the log checkpointer (ADR 0023). */
export interface LeafRecord {
  readonly eventId: string;
  readonly streamId: string;
  readonly position: GlobalPosition;
  /** Only what tells whose event it is (the checkpointer signs its own province's). */
  readonly metadata: Pick<EventMetadata, 'originProvince'>;
  /** Hex SHA-256 leaf, as `leafHashOf` gives it for the event. */
  readonly leaf: string;
}

export interface ReadAllOptions {
  /** Read events strictly after this position (START for the beginning). */
  readonly after: GlobalPosition;
  readonly limit: number;
}

export interface SubscribeOptions {
  readonly after: GlobalPosition;
  readonly batchSize?: number;
  /** Called with each batch, in order; the next batch is read only after it resolves. */
  readonly onEvents: (events: readonly RecordedEvent[]) => Promise<void>;
  /** Called once when the subscription has read everything committed so far. */
  readonly onCaughtUp?: (position: GlobalPosition) => void;
  readonly onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Resolves when the subscription has stopped and no handler is running. */
  stop(): Promise<void>;
  /** Last position handed to onEvents. */
  readonly position: GlobalPosition;
}

export interface EventStoreCapabilities {
  readonly adapter: 'postgres' | 'pglite' | 'memory' | 'kurrentdb';
  /** False where the engine runs one transaction at a time (PGlite), so "in flight" cannot happen. */
  readonly concurrentTransactions: boolean;
  /**
   * True where every append keeps the guard rows and honours `enforceGuards`: in the append's own
   * transaction (PostgreSQL, ADR 0011), or reserved by event id in PostgreSQL before the append
   * and confirmed from the log after it (KurrentDB with guard rows, ADR 0029).
   */
  readonly guards: boolean;
}

/** One stream's part of an `appendAll`. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly options?: AppendOptions;
}

export interface EventStore {
  readonly capabilities: EventStoreCapabilities;
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams in one transaction, all or nothing: each part is checked as
   * `append` checks it (expected revision, event ids already stored), and the first conflict
   * throws it with nothing written. One commit for many streams (bulk imports). Where the engine
   * has no multi-stream transaction it is absent; append one stream at a time there.
   */
  appendAll?(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(streamId: string, options?: { fromRevision?: number; maxCount?: number }): Promise<RecordedEvent[]>;
  /**
   * Events of the global log after `after`, in position order. Never returns an event while
   * an event with a lower position may still commit, so a reader that moves its checkpoint
   * to the last position it read can never skip a late-committing append.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event a reader may safely see (START when empty). */
  headPosition(): Promise<GlobalPosition>;
  /**
   * Position of the last committed event, which may be ahead of `headPosition` while an
   * older append is still in flight. A caller that must see everything already committed
   * (read-your-writes) waits for this one.
   */
  latestPosition(): Promise<GlobalPosition>;
  /**
   * Number of events with `after < position <= upTo` (how far behind a reader at `after` is).
   * Optional: an adapter that cannot count cheaply leaves it out and callers read instead.
   */
  countEvents?(after: GlobalPosition, upTo: GlobalPosition): Promise<number>;
  /**
   * `readAll` as the log checkpointer needs it: each event's leaf hash (tamper/leaf-hash.ts)
   * instead of its data. Optional: an adapter that can compute the leaf where the event is
   * stored offers it (PostgreSQL: in SQL, docs/adr/0028-log-leaves-in-sql.md); the checkpointer
   * otherwise reads the events and hashes them with `leafHashOf`. Either way the same leaf
   * (the contract checks it).
   */
  readLeaves?(options: ReadAllOptions): Promise<LeafRecord[]>;
  /**
   * The stored events with these ids, in log order (unknown ids are left out). Optional: the
   * sync inbox uses it to check copies it holds against a province's checkpoint.
   */
  readEvents?(eventIds: readonly string[]): Promise<RecordedEvent[]>;
  /** Catch-up then live: reads from `after`, then keeps delivering new events. */
  subscribe(options: SubscribeOptions): Subscription;
  /**
   * Ends the pause of this process's caught-up subscriptions now rather than at their next
   * poll: another thread of the node appended, and someone waits for the read models.
   * Absent: subscriptions find new events at their next poll.
   */
  wakeSubscriptions?(): void;
  close(): Promise<void>;
}
