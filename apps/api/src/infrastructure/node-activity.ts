import { EventEmitter } from 'node:events';
import type { AppendResult, EventStore, NewEvent } from '@vaxledger/event-store';

/** What this process did, for the metrics: appends by event type, sync messages in and out. */
export interface NodeActivityEvents {
  /** Events this process appended (not replays), `imported` when another province owns them. */
  appended: [type: string, origin: 'local' | 'imported', count: number];
  /** Sync messages published to Kafka (relay) or taken from it (inbox). */
  syncMessages: [direction: 'in' | 'out', count: number];
  syncDeadLetter: [reason: string];
}

/**
 * One place that sees every business fact this process records, whichever path recorded it
 * (HTTP command, CLI, sync import), so counters need no code in the features.
 */
export class NodeActivity extends EventEmitter<NodeActivityEvents> {
  constructor(private readonly provinceCode: string) {
    super();
    this.setMaxListeners(0); // one listener set per HTTP app on this runtime (tests open several)
  }

  /**
   * The store as everyone else sees it, except that appends are reported here. Every other
   * member (capabilities, adapter-specific helpers) is the store's own.
   */
  observe<S extends EventStore>(store: S): S {
    const append = async (streamId: string, events: readonly NewEvent[], options?: Parameters<EventStore['append']>[2]) => {
      const result: AppendResult = await store.append(streamId, events, options);
      if (!result.replayed) this.noteAppended(events);
      return result;
    };
    return new Proxy(store, {
      get: (target, property) => {
        if (property === 'append') return append;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  private noteAppended(events: readonly NewEvent[]): void {
    const counts = new Map<string, number>();
    for (const event of events) {
      const origin = (event.metadata.originProvince ?? this.provinceCode) === this.provinceCode ? 'local' : 'imported';
      const key = `${origin} ${event.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      const [origin, type] = key.split(' ') as ['local' | 'imported', string];
      this.emit('appended', type, origin, count);
    }
  }
}
