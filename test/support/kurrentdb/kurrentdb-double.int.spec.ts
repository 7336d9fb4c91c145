import { randomUUID } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  binaryEvent,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  type ResolvedEvent,
  START,
  STREAM_EXISTS,
  streamNameFilter,
} from '@eventstore/db-client';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { EMULATED_SERVER_VERSION, type KurrentDbDouble, startKurrentDbDouble } from './kurrentdb-double';

/**
 * The double checked against what KurrentDB documents for the same calls, through the
 * real client library: append outcomes and wrong-expected-version answers, idempotent
 * appends, stream and $all reads in both directions, and catch-up then live subscriptions.
 */
describe('KurrentDB test double, through @eventstore/db-client', () => {
  let double: KurrentDbDouble;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    double = await startKurrentDbDouble();
    client = EventStoreDBClient.connectionString(double.url);
  });
  afterAll(async () => {
    await client.dispose();
    await double.stop();
  });

  const event = (type = 'Tested', data: Record<string, unknown> = { n: 1 }, id = randomUUID()) => jsonEvent({ id, type, data });
  const stream = (): string => `batch-${randomUUID()}`;
  const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const item of iterable) out.push(item);
    return out;
  };

  it('answers ServerFeatures like a current node, so the client appends through BatchAppend', async () => {
    const internals = client as unknown as {
      supports: (method: unknown) => Promise<boolean>;
      capabilities: Promise<{ serverVersion: string }>;
    };
    expect(await internals.supports(StreamsService.batchAppend)).toBe(true);
    expect((await internals.capabilities).serverVersion).toBe(EMULATED_SERVER_VERSION);
  });

  describe('append', () => {
    it('numbers revisions from 0 and answers the last revision and its position', async () => {
      const name = stream();
      const result = await client.appendToStream(name, [event(), event()], { expectedRevision: NO_STREAM });
      expect(result.success).toBe(true);
      expect(result.nextExpectedRevision).toBe(1n);
      const read = await collect(client.readStream(name));
      expect(read.map((r) => r.event!.revision)).toEqual([0n, 1n]);
      expect(read[1]!.event!.position).toEqual(result.position);
    });

    it('answers wrong expected version with the current revision, as the server does', async () => {
      const name = stream();
      await client.appendToStream(name, [event(), event()]);
      await expect(client.appendToStream(name, event(), { expectedRevision: 0n })).rejects.toMatchObject({
        type: 'wrong-expected-version',
        expectedVersion: 0n,
        actualVersion: 1n,
      });
      await expect(client.appendToStream(name, event(), { expectedRevision: NO_STREAM })).rejects.toMatchObject({
        expectedVersion: 'no_stream',
        actualVersion: 1n,
      });
      await expect(client.appendToStream(stream(), event(), { expectedRevision: STREAM_EXISTS })).rejects.toMatchObject({
        expectedVersion: 'stream_exists',
        actualVersion: 'no_stream',
      });
      expect(await collect(client.readStream(name))).toHaveLength(2);
    });

    it('is idempotent for the same ids at the same expected revision, and only there', async () => {
      const name = stream();
      const events = [event(), event()];
      const first = await client.appendToStream(name, events, { expectedRevision: NO_STREAM });
      const again = await client.appendToStream(name, events, { expectedRevision: NO_STREAM });
      expect(again).toMatchObject({ success: true, nextExpectedRevision: first.nextExpectedRevision });
      expect(again.position).toEqual(first.position);
      expect(await collect(client.readStream(name))).toHaveLength(2);
      // The same ids at another expected revision are not recognised: the server checks where they were written.
      await expect(client.appendToStream(name, events, { expectedRevision: 0n })).rejects.toMatchObject({ type: 'wrong-expected-version' });
    });
  });

  describe('BatchAppend', () => {
    it('serves many appends in flight on one call, each answered under its own correlation id', async () => {
      const name = stream();
      const before = double.calls.batchAppend;
      const results = await Promise.all(Array.from({ length: 300 }, () => client.appendToStream(name, event())));
      expect(results.map((r) => r.nextExpectedRevision).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(
        Array.from({ length: 300 }, (_, i) => BigInt(i)),
      );
      expect(double.calls.batchAppend - before).toBe(300);
      expect(double.calls.append).toBe(0);
    });

    it('refuses an append above the maximum append size, writing nothing', async () => {
      const name = stream();
      const big = jsonEvent({ type: 'Big', data: { x: 'y'.repeat(1024 * 1024) } });
      await expect(client.appendToStream(name, big)).rejects.toMatchObject({
        type: 'maximum-append-size-exceeded',
        maxAppendSize: 1024 * 1024,
      });
      await expect(collect(client.readStream(name))).rejects.toMatchObject({ type: 'stream-not-found' });
    });

    it('refuses an append whose deadline passed, writing nothing', async () => {
      const name = stream();
      await expect(
        client.appendToStream(
          name,
          Array.from({ length: 2_000 }, () => event()),
          { deadline: 1 },
        ),
      ).rejects.toMatchObject({
        type: 'deadline-exceeded',
      });
      await expect(collect(client.readStream(name))).rejects.toMatchObject({ type: 'stream-not-found' });
    });
  });

  describe('read', () => {
    it('says a stream that does not exist is not found', async () => {
      await expect(collect(client.readStream(stream()))).rejects.toMatchObject({ type: 'stream-not-found' });
    });

    it('reads a stream forwards and backwards, from a revision, with a count', async () => {
      const name = stream();
      await client.appendToStream(name, [event(), event(), event(), event()]);
      const revisions = (events: ResolvedEvent[]): bigint[] => events.map((e) => e.event!.revision);
      expect(revisions(await collect(client.readStream(name, { fromRevision: 1n, maxCount: 2 })))).toEqual([1n, 2n]);
      expect(revisions(await collect(client.readStream(name, { direction: BACKWARDS, fromRevision: END, maxCount: 3 })))).toEqual([
        3n,
        2n,
        1n,
      ]);
      expect(revisions(await collect(client.readStream(name, { direction: BACKWARDS, fromRevision: 1n })))).toEqual([1n, 0n]);
    });

    it('reads $all in commit order, forwards from a position inclusive and backwards exclusive', async () => {
      const a = stream();
      const b = stream();
      await client.appendToStream(a, event());
      await client.appendToStream(b, [event(), event()]);
      await client.appendToStream(a, event());
      const all = (await collect(client.readAll({ fromPosition: START }))) as AllStreamResolvedEvent[];
      const mine = all.filter((e) => e.event!.streamId === a || e.event!.streamId === b);
      expect(mine.map((e) => `${e.event!.streamId === a ? 'a' : 'b'}${e.event!.revision}`)).toEqual(['a0', 'b0', 'b1', 'a1']);
      const positions = all.map((e) => e.event!.position.commit);
      expect([...positions].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(positions);
      for (const e of all) expect(e.event!.position.prepare).toBe(e.event!.position.commit);
      // A real log starts with system events, which readers must skip.
      expect(all[0]!.event!.streamId.startsWith('$')).toBe(true);
      const pivot = mine[1]!.event!.position;
      const forwards = (await collect(client.readAll({ fromPosition: pivot, maxCount: 1 }))) as AllStreamResolvedEvent[];
      expect(forwards[0]!.event!.id).toBe(mine[1]!.event!.id);
      const backwards = (await collect(
        client.readAll({ fromPosition: pivot, direction: BACKWARDS, maxCount: 1 }),
      )) as AllStreamResolvedEvent[];
      expect(backwards[0]!.event!.id).toBe(mine[0]!.event!.id);
      const last = (await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }))) as AllStreamResolvedEvent[];
      expect(last[0]!.event!.id).toBe(mine[3]!.event!.id);
      const forwardsFromEnd = await collect(client.readAll({ fromPosition: END, direction: FORWARDS }));
      expect(forwardsFromEnd).toEqual([]);
    });
  });

  describe('subscriptions to $all', () => {
    it('sends what is stored after the position, then caught up, then live events, filtered by stream prefix', async () => {
      const prefix = `site-${randomUUID().slice(0, 8)}`;
      const before = `${prefix}-before`;
      await client.appendToStream(before, [event(), event()]);
      await client.appendToStream(stream(), event());
      const seen: string[] = [];
      const subscription = client.subscribeToAll({ fromPosition: START, filter: streamNameFilter({ prefixes: [prefix] }) });
      subscription.on('data', (e: ResolvedEvent) => seen.push(`${e.event!.streamId}@${e.event!.revision}`));
      await new Promise<void>((resolve) => subscription.once('caughtUp', () => resolve()));
      expect(seen).toEqual([`${before}@0`, `${before}@1`]);
      await client.appendToStream(`${prefix}-live`, event());
      await client.appendToStream(stream(), event());
      const deadline = Date.now() + 5_000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await subscription.unsubscribe();
      expect(seen).toEqual([`${before}@0`, `${before}@1`, `${prefix}-live@0`]);
    });

    it('sends a checkpoint per checkpoint interval searched when filtered, and one on catching up', async () => {
      const prefix = `site-${randomUUID().slice(0, 8)}`;
      await client.appendToStream(
        `${prefix}-a`,
        Array.from({ length: 70 }, () => event()),
      );
      const start = (await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 71 }))) as AllStreamResolvedEvent[];
      const checkpoints: bigint[] = [];
      const subscription = client.subscribeToAll({
        fromPosition: start[70]!.event!.position,
        filter: streamNameFilter({
          prefixes: [prefix],
          maxSearchWindow: 10,
          checkpointInterval: 2,
          checkpointReached: (_s, p) => void checkpoints.push(p.commit),
        }),
      });
      subscription.on('data', () => undefined);
      await new Promise<void>((resolve) => subscription.once('caughtUp', () => resolve()));
      await new Promise((r) => setTimeout(r, 50));
      await subscription.unsubscribe();
      // 70 events searched, an interval of 10 x 2: at the 20th, 40th and 60th, then on catching up.
      expect(checkpoints).toEqual([
        start[50]!.event!.position.commit,
        start[30]!.event!.position.commit,
        start[10]!.event!.position.commit,
        start[0]!.event!.position.commit,
      ]);
    });

    it('subscribes to one stream: stored events after the revision, caught up, then live ones', async () => {
      const name = stream();
      await client.appendToStream(name, [event(), event(), event()]);
      const seen: bigint[] = [];
      const subscription = client.subscribeToStream(name, { fromRevision: 0n });
      subscription.on('data', (e: ResolvedEvent) => seen.push(e.event!.revision));
      await new Promise<void>((resolve) => subscription.once('caughtUp', () => resolve()));
      expect(seen).toEqual([1n, 2n]);
      await client.appendToStream(name, event());
      const deadline = Date.now() + 5_000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await subscription.unsubscribe();
      expect(seen).toEqual([1n, 2n, 3n]);
    });

    it('starts strictly after the position it is given', async () => {
      const name = stream();
      await client.appendToStream(name, [event(), event()]);
      const read = (await collect(client.readStream(name))) as ResolvedEvent[];
      const subscription = client.subscribeToAll({
        fromPosition: read[0]!.event!.position!,
        filter: streamNameFilter({ prefixes: [name] }),
      });
      const seen: bigint[] = [];
      subscription.on('data', (e: ResolvedEvent) => seen.push(e.event!.revision));
      await new Promise<void>((resolve) => subscription.once('caughtUp', () => resolve()));
      await subscription.unsubscribe();
      expect(seen).toEqual([1n]);
    });
  });

  describe('deleted streams and a stopped server', () => {
    it('tombstones and soft-deletes only at the expected revision', async () => {
      const name = stream();
      await client.appendToStream(name, [event(), event()]);
      await expect(client.tombstoneStream(name, { expectedRevision: 0n })).rejects.toMatchObject({
        type: 'wrong-expected-version',
        expectedVersion: 0n,
        actualVersion: 1n,
      });
      await expect(client.tombstoneStream(name, { expectedRevision: NO_STREAM })).rejects.toMatchObject({ type: 'wrong-expected-version' });
      await expect(client.deleteStream(name, { expectedRevision: 5n })).rejects.toMatchObject({ type: 'wrong-expected-version' });
      await client.deleteStream(name, { expectedRevision: 1n });
      await expect(collect(client.readStream(name))).rejects.toMatchObject({ type: 'stream-not-found' });
      // A soft-deleted stream can be written again; its revisions go on.
      const again = await client.appendToStream(name, event());
      expect(again.nextExpectedRevision).toBe(2n);
      expect((await collect(client.readStream(name))).map((e) => e.event!.revision)).toEqual([2n]);
      await client.tombstoneStream(name, { expectedRevision: 2n });
      await expect(collect(client.readStream(name))).rejects.toMatchObject({ type: 'stream-deleted' });
    });

    it('resolves $> links when asked, and sends the link alone otherwise', async () => {
      const target = stream();
      const links = stream();
      await client.appendToStream(target, [event('A'), event('B')]);
      await client.appendToStream(links, binaryEvent({ type: '$>', data: Buffer.from(`1@${target}`) }));
      const [plain] = await collect(client.readStream(links));
      expect(plain!.event!.type).toBe('$>');
      expect(plain!.link).toBeUndefined();
      const [resolved] = await collect(client.readStream(links, { resolveLinkTos: true }));
      expect(resolved!.event).toMatchObject({ streamId: target, revision: 1n, type: 'B' });
      expect(resolved!.link).toMatchObject({ streamId: links, type: '$>' });
    });

    it('answers a tombstoned stream as deleted, for reads and appends', async () => {
      const name = stream();
      await client.appendToStream(name, event());
      await client.tombstoneStream(name);
      await expect(collect(client.readStream(name))).rejects.toMatchObject({ type: 'stream-deleted' });
      await expect(client.appendToStream(name, event())).rejects.toMatchObject({ type: 'stream-deleted' });
    });

    it('fails calls as unavailable when stopped, and serves the same log again when restarted on the port', async () => {
      const own = await startKurrentDbDouble();
      const ownClient = EventStoreDBClient.connectionString(own.url);
      try {
        const name = stream();
        await ownClient.appendToStream(name, event());
        await own.stop();
        // The client sees the dropped connection as cancelled or unavailable, depending on timing
        // (through BatchAppend possibly as the bare gRPC status 14, which the adapter maps too).
        const first = (await ownClient.appendToStream(name, event()).catch((e: unknown) => e)) as { type?: string; code?: number };
        expect(['unavailable', 'cancelled', 14]).toContain(first.type ?? first.code);
        // Once the channel is gone, a new connection is refused: gRPC status 14 (UNAVAILABLE).
        await expect(ownClient.appendToStream(name, event())).rejects.toMatchObject({ code: 14 });
        const again = await startKurrentDbDouble({ port: own.port, data: own.data });
        try {
          const deadline = Date.now() + 10_000;
          let read: ResolvedEvent[] = [];
          while (Date.now() < deadline) {
            try {
              read = await collect(ownClient.readStream(name));
              break;
            } catch {
              await new Promise((r) => setTimeout(r, 100));
            }
          }
          expect(read).toHaveLength(1);
        } finally {
          await again.stop();
        }
      } finally {
        await ownClient.dispose();
      }
    });
  });
});
