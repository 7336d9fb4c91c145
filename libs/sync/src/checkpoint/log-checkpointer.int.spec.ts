import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  chainOver,
  checkpointOf,
  checkpointStream,
  GENESIS_HEAD,
  isCheckpointStream,
  leafHashOf,
  type NewEvent,
  PostgresEventStore,
  type RecordedEvent,
  START,
} from '@vaxledger/event-store';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until } from '../../../../test/support/until';
import { EnvelopeSigner } from '../signing/envelope-signing';
import { LogCheckpointer } from './log-checkpointer';

// When the checkpointer signs (every N own events, or after T with anything waiting), what it
// covers (this province's events only), and that a new instance carries the chain on.

const HOME = '510000';
const signer = new EnvelopeSigner(generateKeyPairSync('ed25519').privateKey);
const event = (origin = HOME): NewEvent => ({
  eventId: randomUUID(),
  type: 'ShipmentDispatched',
  schemaVersion: 1,
  data: { quantity: 1 },
  metadata: {
    correlationId: randomUUID(),
    originProvince: origin,
    actor: { orgCode: 'X', role: 'cdc', provinceCode: origin },
    ...(origin === HOME ? {} : { originPosition: '42' }),
  },
});

describe(`log checkpointer (${testDatabaseKind()})`, () => {
  let store: PostgresEventStore;
  beforeAll(async () => {
    store = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('cpr'),
      engine: testDatabaseKind(),
    });
  });
  afterAll(async () => {
    await store.close();
  });
  const readable = (): Promise<void> =>
    until('every committed event readable', async () => (await store.headPosition()) >= (await store.latestPosition()), 30_000, 20);

  it('signs at N own events or once T has passed, never imported events, and a new instance continues the chain', async () => {
    let now = Date.parse('2026-12-06T00:00:00Z');
    const checkpointer = new LogCheckpointer(store, {
      provinceCode: HOME,
      signer,
      everyEvents: 3,
      everyMs: 60_000,
      now: () => new Date(now),
    });
    await store.append('batch-cpr-1', [event(), event()]);
    await store.append('batch-cpr-imported', [event('440000')]);
    await readable();
    expect(await checkpointer.runOnce()).toBeNull(); // 2 of 3, and T not passed
    now += 60_000;
    const byTime = await checkpointer.runOnce();
    expect(byTime).toMatchObject({ sequence: 1, count: 2 });
    await store.append('batch-cpr-1', [event(), event(), event(), event()]);
    await readable();
    const byCount = await checkpointer.runOnce();
    expect(byCount).toMatchObject({ sequence: 2, count: 3, previousHead: byTime!.head });
    expect(await checkpointer.runOnce()).toBeNull();

    const restarted = new LogCheckpointer(store, { provinceCode: HOME, signer, everyEvents: 3, everyMs: 60_000, now: () => new Date(now) });
    const forced = await restarted.runOnce(true);
    expect(forced).toMatchObject({ sequence: 3, count: 1, previousHead: byCount!.head });
    const written = (await store.readStream(checkpointStream(HOME))).map((e) => checkpointOf(e.data)!);
    expect(written.map((c) => c.count)).toEqual([2, 3, 1]);
    expect(written.flatMap((c) => c.leaves)).toHaveLength(6);
  });

  it('catching up with a backlog, page after page while it writes (read ahead), lists every own event once, in log order', async () => {
    const province = '350000';
    const own = (): NewEvent => ({ ...event(), metadata: { ...event().metadata, originProvince: province } });
    for (let i = 0; i < 6; i++) {
      await store.append(`batch-cpr-backlog-${i}`, [own(), own(), own()]);
      await store.append(`batch-cpr-backlog-imported-${i}`, [event('440000')]);
    }
    await readable();
    const checkpointer = new LogCheckpointer(store, { provinceCode: province, signer, everyEvents: 4, everyMs: 60_000 });
    const signed: number[] = [];
    for (let c = await checkpointer.runOnce(true); c; c = await checkpointer.runOnce(true)) signed.push(c.count);
    await checkpointer.stop();
    expect(signed).toEqual([4, 4, 4, 4, 2]);
    const all: RecordedEvent[] = [];
    for (let after = START; ;) {
      const page = await store.readAll({ after, limit: 1000 });
      if (page.length === 0) break;
      all.push(...page);
      after = page[page.length - 1]!.position;
    }
    const ownEvents = all.filter((e) => e.metadata.originProvince === province && !isCheckpointStream(e.streamId));
    const written = (await store.readStream(checkpointStream(province))).map((e) => checkpointOf(e.data)!);
    expect(written.flatMap((c) => c.leaves)).toEqual(ownEvents.map((e) => [e.eventId, leafHashOf(e)]));
    expect(written[written.length - 1]!.head).toBe(
      chainOver(
        GENESIS_HEAD,
        ownEvents.map((e) => leafHashOf(e)),
      ),
    );
  });

  // ADR 0035: while others append, one checkpoint per look (out of the writers' way); once the
  // log is quiet, the rest of the backlog at once. Looks every second; 16 own events, 2 per
  // checkpoint: one per look would need 8 s.
  it('signs one checkpoint per look while others append, and the whole backlog at once when the log is quiet', async () => {
    const pollMs = 1000;
    const busyProvince = '360000';
    const own = (province: string): NewEvent => ({ ...event(), metadata: { ...event().metadata, originProvince: province } });
    const signedBy = async (province: string): Promise<number> =>
      (await store.readStream(checkpointStream(province))).reduce((n, e) => n + checkpointOf(e.data)!.count, 0);

    // Busy: another writer appends (imported events) every 50 ms the whole time.
    for (let i = 0; i < 8; i++) await store.append(`batch-cpr-busy-${i}`, [own(busyProvince), own(busyProvince)]);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await store.append(`batch-cpr-busy-imported-${i}`, [event('440000')]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const busy = new LogCheckpointer(store, { provinceCode: busyProvince, signer, everyEvents: 2, everyMs: 60_000, pollMs });
    busy.start();
    await new Promise((resolve) => setTimeout(resolve, 3.5 * pollMs));
    await busy.stop();
    writing = false;
    await writer;
    const whileBusy = await signedBy(busyProvince);
    expect(whileBusy).toBeGreaterThanOrEqual(2); // at least one look happened
    expect(whileBusy).toBeLessThanOrEqual(8); // at most one checkpoint per look: 4 looks at the most

    // Quiet: nothing else is appended; the first look signs one checkpoint, the second the rest.
    const quietProvince = '370000';
    for (let i = 0; i < 8; i++) await store.append(`batch-cpr-quiet-${i}`, [own(quietProvince), own(quietProvince)]);
    await readable();
    const quiet = new LogCheckpointer(store, { provinceCode: quietProvince, signer, everyEvents: 2, everyMs: 60_000, pollMs });
    const started = Date.now();
    quiet.start();
    try {
      await until('all 16 quiet events signed', async () => (await signedBy(quietProvince)) === 16, 5 * pollMs, 50);
    } finally {
      await quiet.stop();
    }
    expect(Date.now() - started).toBeLessThan(5 * pollMs);
  });
  it('signs what awaits a checkpoint when it is stopped for a shutdown, and only then', async () => {
    const province = '380000';
    const own = (): NewEvent => ({ ...event(), metadata: { ...event().metadata, originProvince: province } });
    const signed = async (): Promise<number> =>
      (await store.readStream(checkpointStream(province))).reduce((n, e) => n + checkpointOf(e.data)!.count, 0);
    for (let i = 0; i < 5; i++) await store.append(`batch-cpr-stop-${i}`, [own()]);
    await readable();
    // An hour's interval and 1,000 events per checkpoint: nothing is due while it runs.
    const plain = new LogCheckpointer(store, { provinceCode: province, signer, everyEvents: 1000, everyMs: 3_600_000, pollMs: 50 });
    plain.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await plain.stop();
    expect(await signed()).toBe(0);
    const leaving = new LogCheckpointer(store, { provinceCode: province, signer, everyEvents: 2, everyMs: 3_600_000, pollMs: 50 });
    leaving.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Two full checkpoints are due at once (2 + 2 events); the fifth waits for the stop.
    await until('two checkpoints', async () => (await signed()) >= 4, 10_000, 50);
    await leaving.stop({ signPending: true });
    expect(await signed()).toBe(5);
  });
});
