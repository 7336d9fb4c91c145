import type { EventStore, RecordedEvent } from '../event-store.port';
import { START } from '../event-store.port';
import { anEvent, type ContractHooks, type OpenedStore, uniqueStream } from './contract-support';

const readEverything = async (store: EventStore): Promise<RecordedEvent[]> => {
  const all: RecordedEvent[] = [];
  let after = START;
  for (;;) {
    const batch = await store.readAll({ after, limit: 1000 });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
};

/**
 * Reading the global log: pages in position order, subscriptions catching up then live, and no
 * reader skipping an append that commits late. Called inside the contract's describe, after the
 * beforeAll that opens the store.
 */
export const globalLogContract = (opened: OpenedStore, hooks: ContractHooks): void => {
  let store: EventStore;
  beforeAll(() => {
    store = opened();
  });

  describe('reading the global log', () => {
    it('reads in position order after a given position, in pages', async () => {
      const before = await store.headPosition();
      const stream = uniqueStream();
      await store.append(stream, [anEvent(), anEvent(), anEvent()]);
      const page1 = await store.readAll({ after: before, limit: 2 });
      const page2 = await store.readAll({ after: page1[page1.length - 1]!.position, limit: 1000 });
      const mine = [...page1, ...page2].filter((e) => e.streamId === stream);
      expect(mine.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(page1[0]!.position > before).toBe(true);
      expect(await store.headPosition()).toBe(mine[2]!.position);
      expect(await store.latestPosition()).toBe(mine[2]!.position);
    });

    it('reads the whole log from the start with no duplicates', async () => {
      const stream = uniqueStream();
      await store.append(stream, [anEvent()]);
      const all = await readEverything(store);
      expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);
      expect(all.some((e) => e.streamId === stream)).toBe(true);
    });

    it('delivers events to a subscription catching up, then live', async () => {
      const stream = uniqueStream();
      await store.append(stream, [anEvent(), anEvent()]);
      const received: RecordedEvent[] = [];
      let caughtUpAt: bigint | null = null;
      const sub = store.subscribe({
        after: START,
        onEvents: async (events) => {
          received.push(...events.filter((e) => e.streamId === stream));
        },
        onCaughtUp: (p) => {
          caughtUpAt = p;
        },
      });
      const deadline = Date.now() + 10_000;
      while (caughtUpAt === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(received).toHaveLength(2);
      await store.append(stream, [anEvent()]);
      while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await sub.stop();
      expect(received.map((e) => e.revision)).toEqual([0, 1, 2]);
    });

    it(
      hooks.appendInOpenTransaction
        ? 'never lets a reader skip an append that commits late'
        : 'runs one transaction at a time, so no append can commit behind a reader',
      async () => {
        if (!hooks.appendInOpenTransaction) {
          expect(store.capabilities.concurrentTransactions).toBe(false);
          return;
        }
        const late = uniqueStream();
        const early = uniqueStream();
        const lateEvent = anEvent();
        let positionsSeenWhileOpen: bigint[] = [];
        let head = START;
        let latest = START;
        await hooks.appendInOpenTransaction(store, late, [lateEvent], async () => {
          // Later appends commit while the first transaction is still open.
          await store.append(early, [anEvent(), anEvent()]);
          head = await store.headPosition();
          latest = await store.latestPosition();
          const visible = await readEverything(store);
          positionsSeenWhileOpen = visible.filter((e) => e.streamId === early).map((e) => e.position);
        });
        // While the early transaction was open, the reader could not see past it.
        expect(positionsSeenWhileOpen).toEqual([]);
        const after = await readEverything(store);
        const lateRead = after.find((e) => e.eventId === lateEvent.eventId);
        const earlyRead = after.filter((e) => e.streamId === early);
        expect(lateRead).toBeDefined();
        expect(earlyRead).toHaveLength(2);
        // A checkpoint taken at the head while the transaction was open is below the late event.
        expect(lateRead!.position > head).toBe(true);
        // The latest committed position already covered the early appends (read-your-writes).
        for (const e of earlyRead) expect(e.position <= latest).toBe(true);
        expect(latest > head).toBe(true);
      },
    );
  });
};
