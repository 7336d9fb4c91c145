import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { eventStoreContract } from '../contract/event-store.contract';
import { randomUUID } from 'node:crypto';
import { STOCK_GUARD_RULES_VERSION, stockGuardOps } from '@vaxledger/domain';
import { EventIdConflictError, GuardViolationError, StreamConflictError } from '../errors';
import { START, type EventStore, type NewEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';

// The run's database: the machine's PostgreSQL under CI (DATABASE_URL), PGlite otherwise.
const kind = testDatabaseKind();

const appendInOpenTransaction = async (
  store: EventStore,
  streamId: string,
  events: readonly NewEvent[],
  work: () => Promise<void>,
): Promise<void> => {
  const pg = store as PostgresEventStore;
  await pg.withClient(async (client) => {
    await client.query('BEGIN');
    await client.query(
      `SELECT * FROM ${pg.schemaName}.append_events($1, 0, NULL, $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[])`,
      [
        streamId,
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => e.schemaVersion),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
      ],
    );
    try {
      await work();
    } finally {
      await client.query('COMMIT');
    }
  });
};

eventStoreContract(kind === 'pglite' ? 'postgres (PGlite server)' : 'postgres', {
  open: () =>
    PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('es'),
      engine: kind,
      pollIntervalMs: 10,
    }),
  ...(kind === 'postgres' ? { appendInOpenTransaction } : {}),
});

describe('postgres event store, the table itself', () => {
  it('refuses UPDATE and DELETE of stored events', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      await store.append('batch-x-1', [
        { eventId: '0b0f1d9e-8a39-4c4e-9f3b-7d1f2a3b4c5d', type: 'BatchProduced', schemaVersion: 1, data: {}, metadata: {} },
      ]);
      await expect(store.withClient((c) => c.query(`UPDATE ${store.schemaName}.events SET type = 'X'`))).rejects.toThrow(/append-only/);
      await expect(store.withClient((c) => c.query(`DELETE FROM ${store.schemaName}.events`))).rejects.toThrow(/append-only/);
      expect(await store.readStream('batch-x-1')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('says plainly when the database cannot be reached', async () => {
    await expect(
      PostgresEventStore.connect({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema: 'es_unreachable' }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('postgres event store, several streams in one transaction (appendAll)', () => {
  const event = (n: number): NewEvent => ({
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'DoseAdministered',
    schemaVersion: 1,
    data: { n },
    metadata: { originProvince: '510000' },
  });

  it('appends every part or none, and is a replay when delivered again', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      const results = await store.appendAll([
        { streamId: 'person-510000-a', events: [event(1), event(2)], options: { expected: 'no-stream' } },
        { streamId: 'person-510000-b', events: [event(3)], options: { expected: 'no-stream' } },
      ]);
      expect(results.map((r) => [r.streamId, r.revision, r.replayed])).toEqual([
        ['person-510000-a', 1, false],
        ['person-510000-b', 0, false],
      ]);
      const head = await store.latestPosition();
      // The same delivery again (a Kafka redelivery): nothing written, each part a replay.
      const again = await store.appendAll([
        { streamId: 'person-510000-a', events: [event(1), event(2)], options: { expected: 'no-stream' } },
        { streamId: 'person-510000-b', events: [event(3)], options: { expected: 'no-stream' } },
      ]);
      expect(again.map((r) => r.replayed)).toEqual([true, true]);
      // A conflict in the second part leaves the first unwritten too.
      await expect(
        store.appendAll([
          { streamId: 'person-510000-c', events: [event(4)], options: { expected: 'no-stream' } },
          { streamId: 'person-510000-b', events: [event(5)], options: { expected: 'no-stream' } },
        ]),
      ).rejects.toThrow(StreamConflictError);
      expect(await store.readStream('person-510000-c')).toEqual([]);
      expect(await store.latestPosition()).toBe(head);
      expect((await store.readAll({ after: START, limit: 10 })).map((e) => e.eventId)).toEqual([1, 2, 3].map((n) => event(n).eventId));
    } finally {
      await store.close();
    }
  });

  it('appends the new streams of a batch and reports the replayed ones, positions dense and in argument order', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      await store.appendAll([{ streamId: 'person-510000-a', events: [event(1), event(2)], options: { expected: 'no-stream' } }]);
      await store.append('person-510000-b', [event(3)]);
      const head = await store.latestPosition();
      const results = await store.appendAll([
        { streamId: 'person-510000-c', events: [event(4)], options: { expected: 'no-stream' } },
        // Delivered before: a replay in the middle of new streams, nothing written for it.
        { streamId: 'person-510000-a', events: [event(1), event(2)], options: { expected: 'no-stream' } },
        { streamId: 'person-510000-b', events: [event(5), event(6)], options: { expected: 0 } },
        { streamId: 'person-510000-d', events: [event(7)], options: { expected: 'any' } },
      ]);
      expect(results.map((r) => [r.streamId, r.revision, r.replayed])).toEqual([
        ['person-510000-c', 0, false],
        ['person-510000-a', 1, true],
        ['person-510000-b', 2, false],
        ['person-510000-d', 0, false],
      ]);
      const written = await store.readAll({ after: head, limit: 10 });
      expect(written.map((e) => [e.eventId, e.streamId, e.revision])).toEqual([
        [event(4).eventId, 'person-510000-c', 0],
        [event(5).eventId, 'person-510000-b', 1],
        [event(6).eventId, 'person-510000-b', 2],
        [event(7).eventId, 'person-510000-d', 0],
      ]);
      // One transaction: consecutive positions, each stream's result at its last event.
      const positions = written.map((e) => e.position);
      expect(positions.map((p) => p - positions[0]!)).toEqual([0n, 1n, 2n, 3n]);
      expect(results.filter((r) => !r.replayed).map((r) => r.position)).toEqual([positions[0], positions[2], positions[3]]);
      expect(results[1]!.position).toBe((await store.readStream('person-510000-a'))[1]!.position);
      expect((await store.readStream('person-510000-b')).map((e) => e.revision)).toEqual([0, 1, 2]);
    } finally {
      await store.close();
    }
  });

  it('refuses the whole batch when one event id is stored with other content, or partly stored', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      await store.append('person-510000-a', [event(1), event(2)]);
      const head = await store.latestPosition();
      await expect(
        store.appendAll([
          { streamId: 'person-510000-c', events: [event(4)] },
          { streamId: 'person-510000-a', events: [event(1), { ...event(2), data: { n: 99 } }] },
        ]),
      ).rejects.toThrow(new EventIdConflictError(event(2).eventId));
      // Part of a run known, part new: not a replay either.
      await expect(
        store.appendAll([
          { streamId: 'person-510000-c', events: [event(4)] },
          { streamId: 'person-510000-a', events: [event(2), event(3)], options: { expected: 0 } },
        ]),
      ).rejects.toThrow(EventIdConflictError);
      expect(await store.latestPosition()).toBe(head);
      expect(await store.readStream('person-510000-c')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('reports the first failing stream in argument order, with its actual revision', async () => {
    const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('es'), engine: kind });
    try {
      await store.append('person-510000-a', [event(1), event(2)]);
      const failure = await store
        .appendAll([
          { streamId: 'person-510000-new', events: [event(3)], options: { expected: 'no-stream' } },
          { streamId: 'person-510000-a', events: [event(4)], options: { expected: 0 } },
          { streamId: 'person-510000-none', events: [event(5)], options: { expected: 'stream-exists' } },
        ])
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StreamConflictError);
      expect(failure).toMatchObject({ streamId: 'person-510000-a', actual: 1 });
      expect(await store.readStream('person-510000-new')).toEqual([]);
      // A stream named twice in one call: the parts go one after another, as single appends.
      const twice = await store.appendAll([
        { streamId: 'person-510000-a', events: [event(6)], options: { expected: 1 } },
        { streamId: 'person-510000-a', events: [event(7)], options: { expected: 2 } },
      ]);
      expect(twice.map((r) => r.revision)).toEqual([2, 3]);
    } finally {
      await store.close();
    }
  });

  it('applies the guard operations of the appended streams once, and a refusal undoes the whole batch', async () => {
    const rules = { version: STOCK_GUARD_RULES_VERSION, opsFor: stockGuardOps };
    const store = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('es'),
      engine: kind,
      guardRules: rules,
    });
    const clinic = '12510104MC9000001X';
    const batch = '8690017-251200A900';
    const dose = (): NewEvent => ({
      eventId: randomUUID(),
      type: 'DoseAdministered',
      schemaVersion: 1,
      data: { personId: randomUUID(), siteCode: clinic, batchId: batch, traceCode: null, administeredAt: '2026-01-01T00:00:00Z' },
      metadata: { actor: { orgCode: clinic, role: 'clinic', provinceCode: '510000' } },
    });
    const available = async (): Promise<number | undefined> =>
      store.transaction(async (tx) => (await tx.guardFacts(clinic, batch, null)).stock?.available);
    try {
      // Stock of 3 at the clinic (a producer's own stock is the simplest way to get some).
      await store.append(`batch-${batch}`, [
        {
          eventId: randomUUID(),
          type: 'BatchProduced',
          schemaVersion: 1,
          data: { batchId: batch, mahOrgCode: clinic, quantity: 3, traceCodes: [] },
          metadata: { actor: { orgCode: clinic, role: 'mah', provinceCode: '510000' } },
        },
      ]);
      expect(await available()).toBe(3);
      const first = [dose(), dose()];
      await store.appendAll([
        { streamId: 'person-510000-p1', events: [first[0]!], options: { enforceGuards: {} } },
        { streamId: 'person-510000-p2', events: [first[1]!], options: { enforceGuards: {} } },
      ]);
      expect(await available()).toBe(1);
      // Delivered again with one new stream: the replayed doses take no stock a second time.
      const third = dose();
      const again = await store.appendAll([
        { streamId: 'person-510000-p1', events: [first[0]!], options: { enforceGuards: {} } },
        { streamId: 'person-510000-p3', events: [third], options: { enforceGuards: {} } },
        { streamId: 'person-510000-p2', events: [first[1]!], options: { enforceGuards: {} } },
      ]);
      expect(again.map((r) => r.replayed)).toEqual([true, false, true]);
      expect(await available()).toBe(0);
      // No stock left: the refused dose undoes the streams before it in the same call.
      const head = await store.latestPosition();
      await expect(
        store.appendAll([
          { streamId: 'person-510000-p4', events: [dose()] },
          { streamId: 'person-510000-p5', events: [dose()], options: { enforceGuards: {} } },
        ]),
      ).rejects.toThrow(GuardViolationError);
      expect(await store.latestPosition()).toBe(head);
      expect(await store.readStream('person-510000-p4')).toEqual([]);
      expect(await available()).toBe(0);
    } finally {
      await store.close();
    }
  });
  it('lets two concurrent deliveries of the same batch write it once, the other a replay or a conflict', async () => {
    const store = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('es'),
      engine: kind,
      poolSize: 4,
    });
    try {
      const parts = Array.from({ length: 30 }, (_, i) => ({
        streamId: `person-510000-r${i}`,
        events: [event(100 + 2 * i), event(101 + 2 * i)],
        options: { expected: 'no-stream' as const },
      }));
      // In opposite orders: the later one waits on the first's new stream rows, then its retry is a replay.
      const outcomes = await Promise.allSettled([store.appendAll(parts), store.appendAll([...parts].reverse())]);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(StreamConflictError);
      }
      const written = outcomes.filter((o) => o.status === 'fulfilled' && o.value.every((r) => !r.replayed));
      expect(written).toHaveLength(1);
      const all = await store.readAll({ after: START, limit: 100 });
      expect(all).toHaveLength(60);
      expect(new Set(all.map((e) => e.eventId)).size).toBe(60);
      // Delivered once more afterwards: every part a replay.
      expect((await store.appendAll(parts)).every((r) => r.replayed)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
