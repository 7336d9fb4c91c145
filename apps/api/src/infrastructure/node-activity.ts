import { EventEmitter } from 'node:events';
import type { AppendResult, EventStore, GuardUpkeepReport, NewEvent } from '@vaxledger/event-store';

/** What this process did, for the metrics: appends by event type, sync messages in and out. */
export interface NodeActivityEvents {
  /** Events this process appended (not replays), `imported` when another province owns them. */
  appended: [type: string, origin: 'local' | 'imported', count: number];
  /** Sync messages published to Kafka (relay) or taken from it (inbox). */
  syncMessages: [direction: 'in' | 'out', count: number];
  syncDeadLetter: [reason: string];
  /** The log checkpointer failed a round (ADR 0019); it retries on its next tick. */
  logCheckpointFailed: [error: unknown];
  /** The KurrentDB guard rows' sweeper settled reservations or pruned rows (ADRs 0029, 0033). */
  guardUpkeep: [report: GuardUpkeepReport];
  /** Doses that arrived while every dose writer was busy, written together in one transaction (ADR 0034). */
  doseGroup: [doses: number];
}

/**
 * One place that sees every business fact this process records, whichever path recorded it
 * (HTTP command, CLI, sync import), so counters need no code in the features.
 */
export class NodeActivity extends EventEmitter<NodeActivityEvents> {
  /** Sync messages so far, so metrics made after the relay started still count from zero. */
  readonly syncTotals = { in: 0, out: 0 };

  constructor(private readonly provinceCode: string) {
    super();
    this.setMaxListeners(0); // one listener set per HTTP app on this runtime (tests open several)
    this.on('syncMessages', (direction, count) => {
      this.syncTotals[direction] += count;
    });
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
    // Several streams in one transaction (sync imports): each part counted unless replayed.
    const appendAllOf = store.appendAll?.bind(store);
    const appendAll = appendAllOf
      ? async (appends: Parameters<NonNullable<EventStore['appendAll']>>[0]): Promise<AppendResult[]> => {
          const results = await appendAllOf(appends);
          const committed = appends.flatMap((a, i) => (results[i]?.replayed ? [] : a.events));
          if (committed.length > 0) this.noteAppended(committed);
          return results;
        }
      : undefined;
    // The one-transaction paths (a dose: guards, vault, append; a group of doses, a dose file)
    // append through the transaction's own handle, one stream at a time or many at once: those
    // appends are reported once the transaction has committed.
    type Item = { readonly streamId: string; readonly events: readonly NewEvent[]; readonly options?: unknown };
    type Tx = { append: EventStore['append']; appendEach?: (items: readonly Item[]) => Promise<(AppendResult | Error)[]> };
    type Transactional = { transaction?: <T>(work: (tx: Tx) => Promise<T>) => Promise<T> };
    const inner = (store as unknown as Transactional).transaction?.bind(store);
    const transaction = inner
      ? async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
          const committed: NewEvent[] = [];
          const result = await inner((tx) => {
            const appendEach = tx.appendEach?.bind(tx);
            return work({
              ...tx,
              append: async (streamId, events, options) => {
                const appended = await tx.append(streamId, events, options);
                if (!appended.replayed) committed.push(...events);
                return appended;
              },
              ...(appendEach
                ? {
                    appendEach: async (items: readonly Item[]) => {
                      const results = await appendEach(items);
                      items.forEach((item, i) => {
                        const r = results[i];
                        if (r !== undefined && !(r instanceof Error) && !r.replayed) committed.push(...item.events);
                      });
                      return results;
                    },
                  }
                : {}),
            });
          });
          if (committed.length > 0) this.noteAppended(committed);
          return result;
        }
      : undefined;
    // A member replaced on the observed store (a test's fault injection) replaces it here, in
    // front of the counting wrappers, so the replacement can still call through to them.
    const replaced = new Map<PropertyKey, unknown>();
    return new Proxy(store, {
      set: (_target, property, value) => {
        replaced.set(property, value);
        return true;
      },
      get: (target, property) => {
        if (replaced.has(property)) return replaced.get(property);
        if (property === 'append') return append;
        if (property === 'appendAll') return appendAll;
        if (property === 'transaction' && transaction) return transaction;
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
