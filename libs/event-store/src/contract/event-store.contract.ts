import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent } from '../event-store.port';
import { START } from '../event-store.port';
import { leafHashOf } from '../tamper/leaf-hash';

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

export const eventStoreContract = (name: string, hooks: ContractHooks): void => {
  describe(`${name} event store (contract)`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await hooks.open();
    });
    afterAll(async () => {
      await store.close();
    });

    describe('leaf hashes (ADR 0019)', () => {
      it('gives back each event so that it hashes to the leaf its appended content gives (the checkpointer hashes what it reads)', async () => {
        const stream = uniqueStream();
        const awkward = {
          z: 1.5,
          a: [3, { y: 'é中\u2028"\\\n\u0001', b: null }],
          big: 12345678901234,
          neg: -0.001,
          t: true,
          huge: 1e21,
          tiny: -1.5e-8,
          sum: 0.1 + 0.2,
          '10': { é: 1, e: 2, ee: [] },
        };
        const appended = [
          anEvent('BatchProduced', awkward),
          anEvent(),
          { ...anEvent(), metadata: { actor: { role: 'clinic', orgCode: 'X', provinceCode: '510000' } } },
        ];
        await store.append(stream, appended.slice(0, 1), { expected: 'no-stream' });
        await store.append(stream, appended.slice(1));
        const events = await store.readStream(stream);
        expect(events).toHaveLength(3);
        expect(events.map((e) => leafHashOf(e))).toEqual(appended.map((e, revision) => leafHashOf({ ...e, streamId: stream, revision })));
        expect(new Set(events.map((e) => leafHashOf(e))).size).toBe(3);
        // An adapter that hashes its stored text for the checkpointer must give the very same leaves.
        if (store.readLeaves) {
          const leaves = new Map<string, string>();
          for (let after = START; ;) {
            const page = await store.readLeaves({ after, limit: 1000 });
            if (page.length === 0) break;
            for (const l of page) if (l.streamId === stream) leaves.set(l.eventId, l.leaf);
            after = page[page.length - 1]!.position;
          }
          expect(appended.map((e) => leaves.get(e.eventId))).toEqual(events.map((e) => leafHashOf(e)));
        }
      });

      // docs/adr/0028-log-leaves-in-sql.md: PostgreSQL computes the checkpointer's leaves in SQL,
      // with each rule of hashedMetadataOf written again. Each event below is shaped so that
      // leaving one rule out (or getting it slightly wrong) changes its leaf.
      // Pages of 7; a transaction open elsewhere on the server holds the readable log back (ADR
      // 0002), so this reads again until all `count` events of the stream are there (20 s at most).
      const readLeavesOf = async (s: EventStore, stream: string, count: number) => {
        const leaves = new Map<string, { leaf: string; origin: unknown }>();
        for (let tries = 0; leaves.size < count && tries < 400; tries++) {
          if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
          leaves.clear();
          for (let after = START; ;) {
            const page = await s.readLeaves!({ after, limit: 7 });
            if (page.length === 0) break;
            for (const l of page) if (l.streamId === stream) leaves.set(l.eventId, { leaf: l.leaf, origin: l.metadata.originProvince });
            after = page[page.length - 1]!.position;
          }
        }
        return leaves;
      };
      const withMetadata = (metadata: Record<string, unknown>, data: unknown = { n: 1 }): NewEvent => ({
        eventId: randomUUID(),
        type: 'DoseAdministered',
        schemaVersion: 2,
        data,
        metadata,
      });
      const actor = { orgCode: '510104001', role: 'clinic', provinceCode: '510000', siteCode: '510104001', staffRef: 'N-7' };
      const at = '2026-12-06T08:00:00.000+08:00';
      const cases: [string, NewEvent][] = [
        ['the usual dose metadata', withMetadata({ correlationId: 'c-1', actor, originProvince: '510000', occurredAt: at })],
        ['empty metadata', withMetadata({})],
        [
          'transport keys left out',
          withMetadata({ originProvince: '440000', originPosition: '123', originRecordedAt: '2026-01-01', note: 'n' }),
        ],
        ['an empty correlation id left out', withMetadata({ correlationId: '', causationId: 'k' })],
        ['a null causation id left out', withMetadata({ correlationId: 'c', causationId: null })],
        ['a zero or false correlation / causation id left out', withMetadata({ correlationId: 0, causationId: false })],
        ['non-empty ids kept whatever their type', withMetadata({ correlationId: 7, causationId: true })],
        ['occurredAt equal to originRecordedAt left out', withMetadata({ occurredAt: at, originRecordedAt: at })],
        ['occurredAt different from originRecordedAt kept', withMetadata({ occurredAt: at, originRecordedAt: '2026-12-07T00:00:00Z' })],
        ['occurredAt without originRecordedAt kept', withMetadata({ occurredAt: at })],
        ['occurredAt and originRecordedAt both null: equal, left out', withMetadata({ occurredAt: null, originRecordedAt: null })],
        ['equal numbers compare equal', withMetadata({ occurredAt: 1.5, originRecordedAt: 1.5 })],
        ['equal objects are not the same object: kept', withMetadata({ occurredAt: { t: 1 }, originRecordedAt: { t: 1 } })],
        ['an actor without siteCode or staffRef', withMetadata({ actor: { orgCode: 'X', role: 'clinic', provinceCode: '510000' } })],
        ['an empty siteCode and a null staffRef left out', withMetadata({ actor: { ...actor, siteCode: '', staffRef: null } })],
        ['a zero siteCode left out', withMetadata({ actor: { ...actor, siteCode: 0 } })],
        ['other actor keys left out', withMetadata({ actor: { ...actor, name: 'not hashed', __proto__x: 1 } })],
        ['a null or missing orgCode / role / provinceCode become ""', withMetadata({ actor: { orgCode: null, provinceCode: '510000' } })],
        ['a non-string orgCode kept as it is', withMetadata({ actor: { orgCode: 5, role: false, provinceCode: '' } })],
        [
          'the unknown/unknown stand-in counts as no actor',
          withMetadata({ correlationId: 'c', actor: { orgCode: 'unknown', role: 'unknown', provinceCode: '510000' } }),
        ],
        ['only one of them unknown: kept', withMetadata({ actor: { orgCode: 'unknown', role: 'clinic', provinceCode: '510000' } })],
        ['a null actor left out', withMetadata({ actor: null, correlationId: 'c' })],
        ['a string actor left out', withMetadata({ actor: 'someone' })],
        ['an array actor is an object without fields', withMetadata({ actor: [{ orgCode: 'X' }] })],
        [
          'a __proto__ key is never a key of the hashed metadata',
          withMetadata(JSON.parse('{"__proto__": {"x": 1}, "correlationId": "c"}') as Record<string, unknown>),
        ],
        [
          'other metadata, nested, numbers and text as jsonb prints them',
          withMetadata({ z: { é: [1e21, 0.1, -0, 1.5e-8, 12345678901234], ee: '中\u2028"\\\n\u0001😀' }, ab: null, a: true, 10: [] }),
        ],
        [
          'awkward data',
          withMetadata({ correlationId: 'c' }, { é: '😀\n"', a: [1e21, -0, 0.1 + 0.2, { '': null }], ä: {}, long: 'x'.repeat(5000) }),
        ],
        ['data that is not an object', withMetadata({ correlationId: 'c' }, ['a', 1, null])],
        ['metadata that is not an object (hashed in Node)', withMetadata(['x', { y: 1 }] as unknown as Record<string, unknown>)],
      ];

      it('gives, read back and where the adapter computes them (readLeaves), the leaf leafHashOf gives for every rule of the hashed metadata', async () => {
        const stream = uniqueStream('person');
        await store.append(
          stream,
          cases.slice(0, 10).map(([, e]) => e),
          { expected: 'no-stream' },
        );
        await store.append(
          stream,
          cases.slice(10).map(([, e]) => e),
        );
        const want = cases.map(([what, e], revision) => [what, leafHashOf({ ...e, streamId: stream, revision })]);
        // Every adapter: the event as read back hashes as appended (metadata included), all different.
        const stored = await store.readStream(stream);
        expect(stored.map((e, i) => [cases[i]![0], leafHashOf(e)])).toEqual(want);
        expect(new Set(want.map(([, leaf]) => leaf)).size).toBe(cases.length);
        if (!store.readLeaves) return;
        const leaves = await readLeavesOf(store, stream, cases.length);
        const got = cases.map(([what, e]) => [what, leaves.get(e.eventId)?.leaf]);
        expect(got).toEqual(want);
        // The origin the checkpointer goes by: originProvince when it is a string.
        expect(leaves.get(cases[0]![1].eventId)?.origin).toBe('510000');
        expect(leaves.get(cases[2]![1].eventId)?.origin).toBe('440000');
        expect(leaves.get(cases[1]![1].eventId)?.origin).toBeUndefined();
      });
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
  });
};
