import type { EventStore, RecordedEvent } from '../event-store.port';
import { anEvent, type OpenedStore, uniqueStream } from './contract-support';

/**
 * Appends and revisions: expected revisions, idempotent appends by event id, and concurrent
 * writers of one stream or many. Called inside the contract's describe, after the beforeAll
 * that opens the store.
 */
export const appendContract = (opened: OpenedStore): void => {
  let store: EventStore;
  beforeAll(() => {
    store = opened();
  });

  describe('appending to a stream', () => {
    it('creates a stream with no-stream and numbers revisions from 0', async () => {
      const stream = uniqueStream();
      const result = await store.append(stream, [anEvent(), anEvent()], { expected: 'no-stream' });
      expect(result.revision).toBe(1);
      expect(result.replayed).toBe(false);
      const events = await store.readStream(stream);
      expect(events.map((e) => e.revision)).toEqual([0, 1]);
      expect(events[1]!.position).toBe(result.position);
    });

    it('refuses no-stream when the stream exists', async () => {
      const stream = uniqueStream();
      await store.append(stream, [anEvent()], { expected: 'no-stream' });
      await expect(store.append(stream, [anEvent()], { expected: 'no-stream' })).rejects.toMatchObject({
        code: 'STREAM_CONFLICT',
      });
    });

    it('refuses a stale revision and accepts the current one', async () => {
      const stream = uniqueStream();
      await store.append(stream, [anEvent(), anEvent()]);
      await expect(store.append(stream, [anEvent()], { expected: 0 })).rejects.toMatchObject({
        code: 'STREAM_CONFLICT',
        actual: 1,
      });
      const ok = await store.append(stream, [anEvent()], { expected: 1 });
      expect(ok.revision).toBe(2);
    });

    it('refuses stream-exists for a new stream', async () => {
      await expect(store.append(uniqueStream(), [anEvent()], { expected: 'stream-exists' })).rejects.toMatchObject({
        code: 'STREAM_CONFLICT',
      });
    });

    it('returns an empty list for a stream that does not exist', async () => {
      await expect(store.readStream(uniqueStream())).resolves.toEqual([]);
    });

    it('keeps data and metadata as given', async () => {
      const stream = uniqueStream();
      const event = anEvent('DoseAdministered', { doseNumber: 2, nested: { a: [1, 'x'] }, name: '张三' });
      await store.append(stream, [event]);
      const [read] = await store.readStream(stream);
      expect(read).toMatchObject({
        eventId: event.eventId,
        type: 'DoseAdministered',
        schemaVersion: 1,
        data: event.data,
        metadata: event.metadata,
        streamId: stream,
        revision: 0,
      });
      expect(read!.recordedAt).toBeInstanceOf(Date);
    });
  });

  describe('idempotent append by event id', () => {
    it('answers the same events again with the first result and appends nothing', async () => {
      const stream = uniqueStream();
      const events = [anEvent(), anEvent()];
      const first = await store.append(stream, events, { expected: 'no-stream' });
      // Expected revision is stale now: a replay must still be recognised as a replay.
      const again = await store.append(stream, events, { expected: 'no-stream' });
      expect(again).toMatchObject({ replayed: true, revision: first.revision, position: first.position });
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('refuses a known event id with different content', async () => {
      const stream = uniqueStream();
      const event = anEvent('BatchProduced', { quantity: 10 });
      await store.append(stream, [event]);
      await expect(store.append(stream, [{ ...event, data: { quantity: 11 } }])).rejects.toMatchObject({
        code: 'EVENT_ID_CONFLICT',
        eventId: event.eventId,
      });
      await expect(store.append(uniqueStream(), [event])).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('lets exactly one of many concurrent identical appends write', async () => {
      const stream = uniqueStream();
      const event = anEvent();
      const results = await Promise.all(Array.from({ length: 8 }, () => store.append(stream, [event])));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.position.toString())).size).toBe(1);
      expect(await store.readStream(stream)).toHaveLength(1);
    });
  });

  describe('concurrent writers', () => {
    it('lets exactly one writer win each revision of one stream', async () => {
      const stream = uniqueStream();
      await store.append(stream, [anEvent()], { expected: 'no-stream' });
      const writers = 10;
      const rounds = 5;
      let wins = 0;
      for (let round = 0; round < rounds; round++) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: writers }, () => store.append(stream, [anEvent()], { expected: round })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled').length;
        expect(won).toBe(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'STREAM_CONFLICT' });
        wins += won;
      }
      expect(wins).toBe(rounds);
      expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('lets exactly one of several creators create a stream', async () => {
      const stream = uniqueStream();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => store.append(stream, [anEvent()], { expected: 'no-stream' })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('shows a global reader every event of many concurrent streams exactly once, in order', async () => {
      const streams = Array.from({ length: 8 }, () => uniqueStream('site'));
      const perStream = 15;
      const seen: RecordedEvent[] = [];
      const mine = new Set(streams);
      const subscription = store.subscribe({
        after: await store.headPosition(),
        batchSize: 7,
        onEvents: async (events) => {
          seen.push(...events.filter((e) => mine.has(e.streamId)));
        },
      });
      await Promise.all(
        streams.map(async (stream) => {
          for (let i = 0; i < perStream; i++) await store.append(stream, [anEvent()], { expected: i === 0 ? 'no-stream' : i - 1 });
        }),
      );
      const deadline = Date.now() + 20_000;
      while (seen.length < streams.length * perStream && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await subscription.stop();
      expect(seen).toHaveLength(streams.length * perStream);
      expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
      const positions = seen.map((e) => e.position);
      expect([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(positions);
      for (const stream of streams) {
        const revisions = seen.filter((e) => e.streamId === stream).map((e) => e.revision);
        expect(revisions).toEqual(Array.from({ length: perStream }, (_, i) => i));
      }
    });
  });
};
