import { randomUUID } from 'node:crypto';
import { type KurrentDbDouble, startKurrentDbDouble } from '../../../../test/support/kurrentdb/kurrentdb-double';
import { anEvent, eventStoreContract, uniqueStream } from '../contract/event-store.contract';
import type { RecordedEvent } from '../event-store.port';
import { CLAIM_STREAM_PREFIX, contentHash, KurrentDbEventStore } from './kurrentdb-event-store';

// With KURRENTDB_URL set the suite runs against that real server; otherwise against the
// in-process test double of the server's wire behaviour (test/support/kurrentdb).
const realServer = process.env.KURRENTDB_URL;
let double: KurrentDbDouble | null = null;
const url = (): string => realServer ?? double!.url;

beforeAll(async () => {
  if (!realServer) double = await startKurrentDbDouble();
});
afterAll(async () => {
  await double?.stop();
});

eventStoreContract(realServer ? 'kurrentdb (real server)' : 'kurrentdb (test double)', {
  open: () => KurrentDbEventStore.connect({ connectionString: url() }),
});

// Every real server since 21.10 answers ServerFeatures with BatchAppend, so the client appends
// through it: the contract above must have gone that way too, not through the old Append.
(realServer ? describe.skip : describe)('kurrentdb contract, the append path', () => {
  it('went through BatchAppend, as against a current server', () => {
    expect(double!.calls.batchAppend).toBeGreaterThan(50);
    expect(double!.calls.append).toBe(0);
  });
});

describe('kurrentdb event store, beyond the contract', () => {
  it('stores events in the product streams only, the id claims beside them', async () => {
    const store = await KurrentDbEventStore.connect({ connectionString: url() });
    try {
      const stream = uniqueStream();
      const event = anEvent();
      await store.append(stream, [event], { expected: 'no-stream' });
      const all: RecordedEvent[] = [];
      for (let after = 0n; ;) {
        const page = await store.readAll({ after, limit: 500 });
        if (page.length === 0) break;
        all.push(...page);
        after = page[page.length - 1]!.position;
      }
      expect(all.every((e) => store.isProductStream(e.streamId))).toBe(true);
      expect(all.filter((e) => e.eventId === event.eventId)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('refuses reserved stream names and ids that are not UUIDs, appending nothing', async () => {
    const store = await KurrentDbEventStore.connect({ connectionString: url() });
    try {
      await expect(store.append('$system', [anEvent()])).rejects.toMatchObject({ code: 'INVALID_APPEND' });
      await expect(store.append(`vxeventid-${randomUUID()}`, [anEvent()])).rejects.toMatchObject({ code: 'INVALID_APPEND' });
      const stream = uniqueStream();
      await expect(store.append(stream, [{ ...anEvent(), eventId: 'not-a-uuid' }])).rejects.toMatchObject({ code: 'INVALID_APPEND' });
      expect(await store.readStream(stream)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('lets a retry with the same id and new content through after a stream conflict released the claim', async () => {
    const store = await KurrentDbEventStore.connect({ connectionString: url() });
    try {
      const stream = uniqueStream();
      await store.append(stream, [anEvent()]);
      const event = anEvent('BatchReleased', { v: 1 });
      await expect(store.append(stream, [event], { expected: 'no-stream' })).rejects.toMatchObject({ code: 'STREAM_CONFLICT', actual: 0 });
      const ok = await store.append(stream, [{ ...event, data: { v: 2 } }], { expected: 0 });
      expect(ok).toMatchObject({ revision: 1, replayed: false });
      expect((await store.readStream(stream)).map((e) => e.data)).toEqual([expect.anything(), { v: 2 }]);
    } finally {
      await store.close();
    }
  });

  it('reads a stream from a revision and with a count', async () => {
    const store = await KurrentDbEventStore.connect({ connectionString: url() });
    try {
      const stream = uniqueStream();
      await store.append(stream, [anEvent(), anEvent(), anEvent(), anEvent()]);
      expect((await store.readStream(stream, { fromRevision: 1, maxCount: 2 })).map((e) => e.revision)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
  });

  it('takes over the claim of a writer that died between claiming an id and appending it', async () => {
    const store = await KurrentDbEventStore.connect({ connectionString: url(), staleClaimMs: 300 });
    try {
      const stream = uniqueStream();
      const same = anEvent();
      const other = anEvent();
      // Claims left behind by a crashed writer: one for this content, one for another stream.
      for (const [event, claimedFor] of [
        [same, stream],
        [other, uniqueStream()],
      ] as const)
        await store.client.appendToStream(`${CLAIM_STREAM_PREFIX}${event.eventId}`, {
          id: randomUUID(),
          contentType: 'application/json',
          type: 'EventIdClaimed',
          data: { streamId: claimedFor, contentHash: contentHash(claimedFor, event) },
          metadata: undefined,
        });
      // Fresh claims are respected: another stream's in-flight claim is a conflict for now.
      await expect(store.append(stream, [other])).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
      await new Promise((r) => setTimeout(r, 400));
      const started = Date.now();
      const result = await store.append(stream, [same, other], { expected: 'no-stream' });
      expect(result).toMatchObject({ revision: 1, replayed: false });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await store.readStream(stream)).map((e) => e.eventId)).toEqual([same.eventId, other.eventId]);
      // And the ids are guarded again: the same ids elsewhere are refused.
      await expect(store.append(uniqueStream(), [same])).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
    } finally {
      await store.close();
    }
  });

  it('answers a tombstoned stream as deleted, for reads and appends', async () => {
    const store = await KurrentDbEventStore.connect({ connectionString: url() });
    try {
      const stream = uniqueStream();
      await store.append(stream, [anEvent()]);
      await store.client.tombstoneStream(stream);
      await expect(store.readStream(stream)).rejects.toMatchObject({ code: 'STREAM_DELETED', streamId: stream });
      await expect(store.append(stream, [anEvent()])).rejects.toMatchObject({ code: 'STREAM_DELETED' });
    } finally {
      await store.close();
    }
  });
});

// An append above the server's maximum append size (1 MiB by default; small here).
describe('kurrentdb event store and the maximum append size', () => {
  const big = (size: number) => ({ ...anEvent('BatchReleased', { note: 'x'.repeat(size) }) });

  it('refuses it as APPEND_TOO_LARGE, gives the id claims back at once, and a retry goes through', async () => {
    const own = await startKurrentDbDouble({ maxAppendSize: 4_096 });
    const store = await KurrentDbEventStore.connect({ connectionString: own.url });
    let again: KurrentDbDouble | null = null;
    try {
      const stream = uniqueStream();
      const events = [big(3_000), big(3_000)];
      await expect(store.append(stream, events, { expected: 'no-stream' })).rejects.toMatchObject({
        name: 'AppendTooLargeError',
        code: 'APPEND_TOO_LARGE',
        streamId: stream,
        limitBytes: 4_096,
      });
      expect(await store.readStream(stream)).toEqual([]);
      // The claims are released, not left to go stale (15 s by default).
      for (const e of events) {
        const [claim] = await drainClaim(store, e.eventId);
        expect(claim).toBe('EventIdReleased');
      }
      // The same ids in two appends that fit: at once, no wait for stale claims.
      const started = Date.now();
      await store.append(stream, [events[0]!], { expected: 'no-stream' });
      await store.append(stream, [events[1]!], { expected: 0 });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await store.readStream(stream)).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
      // And after the limit is raised, the whole append that was refused goes through.
      const other = uniqueStream();
      const refused = [big(3_000), big(3_000)];
      await expect(store.append(other, refused)).rejects.toMatchObject({ code: 'APPEND_TOO_LARGE' });
      await own.stop();
      again = await startKurrentDbDouble({ port: own.port, data: own.data, maxAppendSize: 1024 * 1024 });
      const retried = await retryUntilUp(() => store.append(other, refused, { expected: 'no-stream' }));
      expect(retried).toMatchObject({ revision: 1, replayed: false });
      expect(own.calls.append).toBe(0);
    } finally {
      await store.close();
      await (again ?? own).stop();
    }
  });
});

const drainClaim = async (store: KurrentDbEventStore, eventId: string): Promise<string[]> => {
  const out: string[] = [];
  for await (const resolved of store.client.readStream(`${CLAIM_STREAM_PREFIX}${eventId}`, {
    direction: 'backwards',
    fromRevision: 'end',
    maxCount: 1,
  }))
    out.push(resolved.event!.type);
  return out;
};

const retryUntilUp = async <T>(attempt: () => Promise<T>): Promise<T> => {
  for (const deadline = Date.now() + 10_000; ;) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as { code?: string }).code !== 'STORE_UNAVAILABLE' || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
};

// These stop and restart the server, so they always run against a double of their own.
describe('kurrentdb event store when the server goes away', () => {
  it('fails appends fast as STORE_UNAVAILABLE and writes nothing', async () => {
    const own = await startKurrentDbDouble();
    const store = await KurrentDbEventStore.connect({ connectionString: own.url });
    try {
      const stream = uniqueStream();
      await store.append(stream, [anEvent()]);
      const before = own.data.log.length;
      await own.stop();
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        await expect(store.append(stream, [anEvent(), anEvent()])).rejects.toMatchObject({
          code: 'STORE_UNAVAILABLE',
          message: expect.stringMatching(/KurrentDB/),
        });
        expect(Date.now() - started).toBeLessThan(2_000);
      }
      await expect(store.readAll({ after: 0n, limit: 10 })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(own.data.log.length).toBe(before);
    } finally {
      await store.close();
    }
  });

  it('resumes a subscription from its last position when the server is back, without gaps or repeats', async () => {
    const own = await startKurrentDbDouble();
    const store = await KurrentDbEventStore.connect({ connectionString: own.url });
    const stream = uniqueStream();
    const seen: RecordedEvent[] = [];
    const errors: unknown[] = [];
    const subscription = store.subscribe({
      after: 0n,
      onEvents: async (events) => {
        seen.push(...events.filter((e) => e.streamId === stream));
      },
      onError: (error) => errors.push(error),
    });
    let again: KurrentDbDouble | null = null;
    try {
      await store.append(stream, [anEvent(), anEvent()]);
      const waitFor = async (n: number): Promise<void> => {
        const deadline = Date.now() + 15_000;
        while (seen.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      };
      await waitFor(2);
      expect(seen).toHaveLength(2);
      await own.stop();
      await new Promise((r) => setTimeout(r, 300));
      again = await startKurrentDbDouble({ port: own.port, data: own.data });
      // Written while the subscription is reconnecting.
      let appended = false;
      for (const deadline = Date.now() + 15_000; !appended && Date.now() < deadline;) {
        try {
          await store.append(stream, [anEvent()]);
          appended = true;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await store.append(stream, [anEvent()]);
      await waitFor(4);
      expect(seen.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(subscription.position).toBe(seen[3]!.position);
    } finally {
      await subscription.stop();
      await store.close();
      await again?.stop();
    }
  }, 40_000);
});
