import { randomUUID } from 'node:crypto';
import { type EventStore, MemoryEventStore, type NewEvent } from '@vaxledger/event-store';
import { measureProjectionLag } from './projection-lag';

const event = (): NewEvent => ({ eventId: randomUUID(), type: 'ProductRegistered', schemaVersion: 1, data: {}, metadata: {} });

describe('projection lag', () => {
  const t0 = Date.parse('2026-12-01T08:00:00Z');
  let clock = t0;
  const store = new MemoryEventStore(() => new Date(clock));

  beforeAll(async () => {
    for (let i = 0; i < 5; i++) {
      clock = t0 + i * 1000; // one event a second
      await store.append(`product-${i}`, [event()]);
    }
  });

  it('counts unapplied events and dates the oldest of them, per checkpoint', async () => {
    const lag = await measureProjectionLag(
      store,
      [
        { name: 'caught-up', position: 5n },
        { name: 'behind-by-two', position: 3n },
        { name: 'never-ran', position: 0n },
      ],
      { now: t0 + 10_000 },
    );
    expect(lag).toEqual([
      { name: 'caught-up', position: 5n, events: 0, eventsAtLeast: false, seconds: 0 },
      // The oldest unapplied event (the 4th) was recorded at t0 + 3 s.
      { name: 'behind-by-two', position: 3n, events: 2, eventsAtLeast: false, seconds: 7 },
      { name: 'never-ran', position: 0n, events: 5, eventsAtLeast: false, seconds: 10 },
    ]);
  });

  it('reads and counts where the store cannot count, and ignores events past the head it was given', async () => {
    const reading: EventStore = Object.assign(Object.create(store) as EventStore, { countEvents: undefined });
    expect(await measureProjectionLag(reading, [{ name: 'p', position: 1n }], { head: 4n, now: t0 + 1500 })).toEqual([
      { name: 'p', position: 1n, events: 3, eventsAtLeast: false, seconds: 0.5 },
    ]);
  });
});
