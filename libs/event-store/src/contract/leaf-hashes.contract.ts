import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../event-store.port';
import { START } from '../event-store.port';
import { leafHashOf } from '../tamper/leaf-hash';
import { anEvent, type OpenedStore, uniqueStream } from './contract-support';

/**
 * Leaf hashes (ADR 0019, ADR 0028): every adapter gives back events that hash to the leaf of what
 * was appended, and an adapter that computes leaves itself (readLeaves) gives the same ones.
 * Called inside the contract's describe, after the beforeAll that opens the store.
 */
export const leafHashContract = (opened: OpenedStore): void => {
  let store: EventStore;
  beforeAll(() => {
    store = opened();
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
};
