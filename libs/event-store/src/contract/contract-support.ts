import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../event-store.port';

// What the parts of the event-store contract share: the hooks an adapter's spec gives, fresh
// stream ids and events to append. Kept apart from event-store.contract.ts, which runs the parts,
// so that no part imports the file that imports it.

/**
 * One behaviour, every adapter: each adapter's spec calls this with a factory that opens a
 * store on an empty log. Tests use fresh stream ids; tests that read the global log only
 * count events of their own streams, so they hold while other tests append too.
 */
export interface ContractHooks {
  /** Opens a store on a log of its own (fresh schema or instance). */
  open: () => Promise<EventStore>;
  /**
   * Runs `work` inside a transaction that has appended `events` to `streamId` but not yet
   * committed; commits when `work` resolves. Only for adapters with concurrent transactions.
   */
  appendInOpenTransaction?: (store: EventStore, streamId: string, events: readonly NewEvent[], work: () => Promise<void>) => Promise<void>;
}

let counter = 0;
export const uniqueStream = (category = 'batch'): string =>
  `${category}-c${Date.now().toString(36)}${counter++}${randomUUID().slice(0, 8)}`;

export const anEvent = (type = 'BatchProduced', data: unknown = { n: Math.random() }): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: randomUUID(), originProvince: '510000' },
});

/** The store the contract opened in its beforeAll: a part reads it once that hook has run. */
export type OpenedStore = () => EventStore;
