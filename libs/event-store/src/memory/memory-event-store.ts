import { EventIdConflictError, EventStoreError, StreamConflictError } from '../errors';
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
import { PollingSubscription } from '../subscription';

const sameContent = (stored: RecordedEvent, streamId: string, e: NewEvent): boolean =>
  stored.streamId === streamId &&
  stored.type === e.type &&
  stored.schemaVersion === e.schemaVersion &&
  JSON.stringify(stored.data) === JSON.stringify(e.data);

/** In-process store for unit tests of handlers. Same semantics as the others (contract suite). */
export class MemoryEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities = { adapter: 'memory', concurrentTransactions: false, guards: false };
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly listeners = new Set<() => void>();
  private nextPosition = 1n;

  constructor(private readonly now: () => Date = () => new Date()) {}

  append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new EventStoreError('INVALID_APPEND', 'append needs at least one event'));
    const eventIds = events.map((e) => e.eventId);
    const known = events.map((e) => this.byId.get(e.eventId));
    if (known.some((k) => k !== undefined)) {
      const allSame = known.every((k, i) => k !== undefined && sameContent(k, streamId, events[i]!));
      if (!allSame) {
        const index = known.findIndex((k, i) => k !== undefined && !sameContent(k, streamId, events[i]!));
        return Promise.reject(new EventIdConflictError(events[index >= 0 ? index : 0]!.eventId));
      }
      const last = known.reduce((a, b) => (b!.position > a!.position ? b : a))!;
      return Promise.resolve({ streamId, revision: last.revision, position: last.position, eventIds, replayed: true });
    }
    const stream = this.streams.get(streamId);
    const current = stream ? stream.length - 1 : null;
    const expected = options.expected ?? 'any';
    const ok =
      expected === 'any' ||
      (expected === 'no-stream' && current === null) ||
      (expected === 'stream-exists' && current !== null) ||
      (typeof expected === 'number' && current === expected);
    if (!ok) return Promise.reject(new StreamConflictError(streamId, String(expected), current));
    const target = stream ?? [];
    const recordedAt = this.now();
    for (const e of events) {
      const recorded: RecordedEvent = {
        ...e,
        streamId,
        revision: target.length,
        position: this.nextPosition++,
        recordedAt,
      };
      target.push(recorded);
      this.log.push(recorded);
      this.byId.set(e.eventId, recorded);
    }
    this.streams.set(streamId, target);
    for (const listener of this.listeners) listener();
    const last = target[target.length - 1]!;
    return Promise.resolve({ streamId, revision: last.revision, position: last.position, eventIds, replayed: false });
  }

  readEvents(eventIds: readonly string[]): Promise<RecordedEvent[]> {
    const found = eventIds.map((id) => this.byId.get(id)).filter((e): e is RecordedEvent => e !== undefined);
    return Promise.resolve(found.sort((a, b) => (a.position < b.position ? -1 : 1)));
  }

  readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? 0;
    const events = (this.streams.get(streamId) ?? []).slice(from);
    return Promise.resolve(options.maxCount === undefined ? events : events.slice(0, options.maxCount));
  }

  readAll({ after, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    // Positions are 1..n without gaps, so the index of position p is p - 1.
    const start = Number(after);
    return Promise.resolve(this.log.slice(start, start + limit));
  }

  headPosition(): Promise<GlobalPosition> {
    return Promise.resolve(this.log.length === 0 ? START : this.log[this.log.length - 1]!.position);
  }

  latestPosition(): Promise<GlobalPosition> {
    return this.headPosition();
  }

  countEvents(after: GlobalPosition, upTo: GlobalPosition): Promise<number> {
    return Promise.resolve(this.log.filter((e) => e.position > after && e.position <= upTo).length);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription(this, options, this.listeners, 20);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
