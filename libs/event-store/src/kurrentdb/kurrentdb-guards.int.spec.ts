import { randomUUID } from 'node:crypto';
import { STOCK_GUARD_RULES_VERSION, stockGuardOps } from '@vaxledger/domain';
import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { type KurrentDbDouble, startKurrentDbDouble } from '../../../../test/support/kurrentdb/kurrentdb-double';
import { GuardViolationError } from '../errors';
import type { NewEvent } from '../event-store.port';
import type { GuardUpkeepReport } from './kurrentdb-guards';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { KurrentDbGuardRows, splitGuardOps } from './kurrentdb-guards';

// The guard rows of ADR 0011 for a log in KurrentDB (ADR 0029): reserved in PostgreSQL keyed
// by event id before the append, confirmed from $all, released on a failed append or by the
// sweeper. Real PostgreSQL (DATABASE_URL) and the KurrentDB double (or KURRENTDB_URL).

const MAH = '91320100MA900DM01X';
const CLINIC = '12510104MC9000001X';
const rules = { version: STOCK_GUARD_RULES_VERSION, opsFor: stockGuardOps };
const realServer = process.env.KURRENTDB_URL;

const event = (type: string, data: unknown, orgCode = CLINIC): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { actor: { orgCode, role: 'clinic', provinceCode: '510000' } },
});

describe('guard rows of the KurrentDB event store', () => {
  let double: KurrentDbDouble | null = null;
  let store: KurrentDbEventStore;
  let pool: Pool;
  const schema = freshSchema('kdbguards');
  // Each run its own batch: a real server keeps the log between runs.
  const BATCH = `8690017-${randomUUID().slice(0, 8)}`;
  const dose = (site: string, traceCode: string | null = null): NewEvent =>
    event('DoseAdministered', {
      personId: randomUUID(),
      siteCode: site,
      batchId: BATCH,
      traceCode,
      administeredAt: '2026-01-01T00:00:00Z',
    });
  const person = (): string => `person-510000-${randomUUID().slice(0, 12)}`;
  const open = (sweepAfterMs = 60_000): Promise<KurrentDbEventStore> =>
    KurrentDbEventStore.connect({
      connectionString: realServer ?? double!.url,
      guards: { connectionString: testDatabaseUrl(), schema, rules, sweepAfterMs, sweepEveryMs: 3_600_000 },
    });
  const stock = async (site: string): Promise<{ available: number; hold: string | null } | null> =>
    (await store.guardFacts(site, BATCH, null)).stock;
  const reservations = async (): Promise<number> =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.guard_event WHERE state = 'reserved'`)).rows[0]!.n);

  beforeAll(async () => {
    if (!realServer) double = await startKurrentDbDouble();
    pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
    store = await open();
    expect(store.capabilities.guards).toBe(true);
    await store.append(`batch-${BATCH}`, [
      event('BatchProduced', { batchId: BATCH, mahOrgCode: MAH, quantity: 1000, traceCodes: ['10000000000000000001'] }, MAH),
    ]);
    await store.append(`site-${MAH}`, [
      event(
        'ShipmentDispatched',
        { shipmentId: `S1-${BATCH}`, fromSite: MAH, toSite: CLINIC, lines: [{ batchId: BATCH, quantity: 55 }] },
        MAH,
      ),
    ]);
    await store.append(`site-${CLINIC}`, [
      event('ShipmentReceived', { shipmentId: `S1-${BATCH}`, lines: [{ batchId: BATCH, accepted: 55 }] }),
    ]);
    // Productions and receipts give stock: they reach the rows when the log reader sees them.
    expect(await store.guardsCatchUp()).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await double?.stop();
  });

  it('splits each event into early (invertible, pessimistic) and late operations', () => {
    const taken = splitGuardOps(
      stockGuardOps({ type: 'DoseAdministered', streamId: 'person-x', data: dose(CLINIC, '1').data, metadata: {} }),
    );
    expect(taken.early.map((o) => o.k)).toEqual(['stock', 'draw']);
    expect(taken.late).toEqual([]);
    expect(taken.undo).toEqual([
      { k: 'draw', code: '1', site: CLINIC, org: CLINIC, n: -1 },
      { k: 'stock', site: CLINIC, batch: BATCH, available: 1 },
    ]);
    const received = splitGuardOps(
      stockGuardOps({ type: 'ShipmentReceived', streamId: `site-${CLINIC}`, data: { shipmentId: 'S', lines: [] }, metadata: {} }),
    );
    expect(received.early).toEqual([]);
  });

  it('keeps stock from production, dispatch and receipt, once each', async () => {
    expect(await stock(MAH)).toEqual({ available: 945, hold: null });
    expect(await stock(CLINIC)).toEqual({ available: 55, hold: null });
  });

  it('counts an imported event once, however often sync delivers it', async () => {
    const before = (await stock(MAH))!.available;
    const shipment = `S-import-${BATCH}`;
    const dispatched = event(
      'ShipmentDispatched',
      { shipmentId: shipment, fromSite: MAH, toSite: 'elsewhere', lines: [{ batchId: BATCH, quantity: 3 }] },
      MAH,
    );
    for (let delivery = 0; delivery < 3; delivery++) await store.append(`site-${MAH}`, [dispatched]);
    expect(await store.guardsCatchUp()).toBe(true);
    expect(await stock(MAH)).toEqual({ available: before - 3, hold: null });
    const back = event('ShipmentReceived', { shipmentId: shipment, lines: [{ batchId: BATCH, accepted: 3 }] }, MAH);
    for (let delivery = 0; delivery < 3; delivery++) await store.append(`site-${MAH}`, [back]);
    expect(await store.guardsCatchUp()).toBe(true);
    expect(await stock(MAH)).toEqual({ available: before, hold: null });
    expect(await reservations()).toBe(0);
  });

  it('a dose whose stream moved gives its reservation back at once (STREAM_CONFLICT)', async () => {
    const stream = person();
    await store.append(stream, [dose(CLINIC)], { expected: 'no-stream' });
    await expect(store.append(stream, [dose(CLINIC)], { expected: 'no-stream', enforceGuards: {} })).rejects.toMatchObject({
      code: 'STREAM_CONFLICT',
    });
    expect(await stock(CLINIC)).toEqual({ available: 54, hold: null });
    expect(await reservations()).toBe(0);
  });

  it('a retried append with the same event id reserves once', async () => {
    const stream = person();
    const first = dose(CLINIC);
    await store.append(stream, [first], { expected: 'no-stream', enforceGuards: {} });
    const retried = await store.append(stream, [first], { expected: 'no-stream', enforceGuards: {} });
    expect(retried.replayed).toBe(true);
    expect(await stock(CLINIC)).toEqual({ available: 53, hold: null });
    // A writer that reserved and died before appending, then its retry: still one reservation.
    const other = await KurrentDbGuardRows.open({ connectionString: testDatabaseUrl(), schema, rules });
    try {
      const again = dose(CLINIC);
      const retryStream = person();
      expect(await other.reserve(retryStream, [again], {})).toEqual([again.eventId]);
      expect(await other.reserve(retryStream, [again], {})).toEqual([]);
      expect(await stock(CLINIC)).toEqual({ available: 52, hold: null });
      await store.append(retryStream, [again], { expected: 'no-stream', enforceGuards: {} });
      expect(await stock(CLINIC)).toEqual({ available: 52, hold: null });
      expect(await store.guardsCatchUp()).toBe(true);
      expect(await reservations()).toBe(0);
      expect(await stock(CLINIC)).toEqual({ available: 52, hold: null });
    } finally {
      await other.close();
    }
  });

  it('the sweeper releases a reservation whose append never happened, and confirms one whose did', async () => {
    const crashed = await KurrentDbGuardRows.open({ connectionString: testDatabaseUrl(), schema, rules });
    try {
      const lost = dose(CLINIC);
      await crashed.reserve(person(), [lost], {});
      expect(await stock(CLINIC)).toEqual({ available: 51, hold: null });
      // Younger than the limit: kept (its writer may still be appending).
      expect(await store.sweepReservations(60_000)).toEqual({ released: 0, confirmed: 0 });
      expect(await stock(CLINIC)).toEqual({ available: 51, hold: null });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.sweepReservations(10)).toEqual({ released: 1, confirmed: 0 });
      expect(await stock(CLINIC)).toEqual({ available: 52, hold: null });
      expect(await reservations()).toBe(0);
      // Reserved, then appended (by a writer without guards here), then the writer died before
      // anything confirmed it: the sweeper or the log reader confirms it, and it is taken once.
      const landed = dose(CLINIC);
      const stream = person();
      await crashed.reserve(stream, [landed], {});
      const plain = await KurrentDbEventStore.connect({ connectionString: realServer ?? double!.url });
      try {
        await plain.append(stream, [landed], { expected: 'no-stream' });
      } finally {
        await plain.close();
      }
      const swept = await store.sweepReservations(0);
      expect(swept.released).toBe(0);
      expect(await store.guardsCatchUp()).toBe(true);
      expect(await reservations()).toBe(0);
      expect(await stock(CLINIC)).toEqual({ available: 51, hold: null });
      // Give it back to keep the counts below simple: entered in error returns the dose.
      await store.append(stream, [event('DoseEnteredInError', { siteCode: CLINIC, batchId: BATCH, doseEventId: landed.eventId })]);
      expect(await store.guardsCatchUp()).toBe(true);
      expect(await stock(CLINIC)).toEqual({ available: 52, hold: null });
    } finally {
      await crashed.close();
    }
  });

  it('runs the sweeper on its own: a crashed reservation is given back once it is old enough, applied rows pruned', async () => {
    const reports: GuardUpkeepReport[] = [];
    const swept = await KurrentDbEventStore.connect({
      connectionString: realServer ?? double!.url,
      guards: {
        connectionString: testDatabaseUrl(),
        schema,
        rules,
        sweepAfterMs: 300,
        sweepEveryMs: 100,
        retainAppliedMs: 1,
        onUpkeep: (report) => reports.push(report),
      },
    });
    const crashed = await KurrentDbGuardRows.open({ connectionString: testDatabaseUrl(), schema, rules });
    try {
      const before = (await stock(CLINIC))!.available;
      await crashed.reserve(person(), [dose(CLINIC)], {});
      expect(await stock(CLINIC)).toEqual({ available: before - 1, hold: null });
      const until = Date.now() + 10_000;
      while ((await reservations()) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await reservations()).toBe(0);
      expect(await stock(CLINIC)).toEqual({ available: before, hold: null });
      // Each tick that changed something says so: the release, and the applied rows it pruned
      // (every one so far: the tests below run on a pruned table).
      const applied = async (): Promise<number> =>
        (await pool.query(`SELECT 1 FROM ${schema}.guard_event WHERE state = 'applied'`)).rowCount ?? -1;
      const reported = (): number => reports.reduce((n, r) => n + r.released, 0);
      while ((reported() === 0 || (await applied()) > 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reported()).toBe(1);
      expect(reports.reduce((n, r) => n + r.pruned, 0)).toBeGreaterThan(0);
      expect(reports.every((r) => r.released + r.confirmed + r.pruned > 0)).toBe(true);
      expect(await applied()).toBe(0);
    } finally {
      await crashed.close();
      await swept.close();
    }
  });

  it('lets exactly 50 of 200 concurrent enforced doses take the last 50 doses; the rest are INSUFFICIENT_STOCK', async () => {
    // Bring the clinic down to 50.
    for (let n = (await stock(CLINIC))!.available; n > 50; n--) await store.append(person(), [dose(CLINIC)], { enforceGuards: {} });
    expect(await stock(CLINIC)).toEqual({ available: 50, hold: null });
    const streams = Array.from({ length: 200 }, () => person());
    const outcomes = await Promise.allSettled(
      streams.map((s) => store.append(s, [dose(CLINIC)], { expected: 'no-stream', enforceGuards: {} })),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as unknown);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(50);
    expect(refused.every((r) => r instanceof GuardViolationError && r.rule === 'INSUFFICIENT_STOCK')).toBe(true);
    expect(await stock(CLINIC)).toEqual({ available: 0, hold: null });
    const written = await Promise.all(streams.map((s) => store.readStream(s)));
    expect(written.filter((w) => w.length > 0)).toHaveLength(50);
    expect(await store.guardsCatchUp()).toBe(true);
    expect(await reservations()).toBe(0);
    expect(await stock(CLINIC)).toEqual({ available: 0, hold: null });
  }, 120_000);

  it('appends a recall only after the doses reserved before it settled, so none lands after it in the log', async () => {
    const writer = await KurrentDbGuardRows.open({ connectionString: testDatabaseUrl(), schema, rules });
    const plain = await KurrentDbEventStore.connect({ connectionString: realServer ?? double!.url });
    try {
      const before = (await stock(CLINIC))!.available;
      // Stock back for one dose first (a void), so the dose below can pass its guard.
      await store.append(person(), [event('DoseEnteredInError', { siteCode: CLINIC, batchId: BATCH, doseEventId: randomUUID() })]);
      expect(await store.guardsCatchUp()).toBe(true);
      const slow = dose(CLINIC);
      const slowStream = person();
      await writer.reserve(slowStream, [slow], {});
      const recallId = `RW-${BATCH}`;
      const recall = event('BatchRecalled', { recallId, batchIds: [BATCH], kind: 'suspension' }, MAH);
      let recalled = false;
      const appending = store.append(`recall-${recallId}`, [recall]).then((r) => {
        recalled = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The hold is in the rows already (new doses are refused), but the recall waits.
      expect(recalled).toBe(false);
      await expect(store.append(person(), [dose(CLINIC)], { enforceGuards: {} })).rejects.toMatchObject({ rule: 'BATCH_SUSPENDED' });
      const landed = await plain.append(slowStream, [slow], { expected: 'no-stream' });
      const held = await appending;
      expect(held.position).toBeGreaterThan(landed.position);
      expect(await stock(CLINIC)).toEqual({ available: before, hold: 'suspension' });
      await store.append(`recall-${recallId}`, [event('RecallLifted', { recallId, batchIds: [BATCH] }, MAH)]);
      expect(await store.guardsCatchUp()).toBe(true);
      expect(await stock(CLINIC)).toEqual({ available: before, hold: null });
    } finally {
      await plain.close();
      await writer.close();
    }
  });

  it('refuses a dose right after a committed recall, with no log reader involved; a lift allows it again', async () => {
    const recallId = `R-${BATCH}`;
    await store.append(`recall-${recallId}`, [event('BatchRecalled', { recallId, batchIds: [BATCH], kind: 'recall' }, MAH)]);
    await expect(store.append(person(), [dose(MAH)], { enforceGuards: {} })).rejects.toMatchObject({ rule: 'BATCH_RECALLED' });
    expect(await stock(MAH)).toEqual({ available: 945, hold: 'recall' });
    // A lift gives back: it applies when the log reader sees it.
    await store.append(`recall-${recallId}`, [event('RecallLifted', { recallId, batchIds: [BATCH] }, MAH)]);
    expect(await store.guardsCatchUp()).toBe(true);
    await store.append(person(), [dose(MAH)], { enforceGuards: {} });
    expect(await stock(MAH)).toEqual({ available: 944, hold: null });
  });

  it('prunes applied rows past their retention; a pruned event retried or read again is not counted twice', async () => {
    const stream = person();
    const given = dose(MAH);
    const before = (await stock(MAH))!.available;
    await store.append(stream, [given], { expected: 'no-stream', enforceGuards: {} });
    expect(await store.guardsCatchUp()).toBe(true);
    expect(await stock(MAH)).toEqual({ available: before - 1, hold: null });
    const row = async () =>
      (await pool.query<{ state: string }>(`SELECT state FROM ${schema}.guard_event WHERE event_id = $1`, [given.eventId])).rows[0] ?? null;
    expect(await row()).toEqual({ state: 'applied' });
    // The store opened without a retention keeps every row.
    expect(await store.pruneGuardRows()).toBe(0);
    expect(await row()).toEqual({ state: 'applied' });

    const pruning = await KurrentDbEventStore.connect({
      connectionString: realServer ?? double!.url,
      guards: { connectionString: testDatabaseUrl(), schema, rules, sweepEveryMs: 3_600_000, retainAppliedMs: 1 },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await pruning.pruneGuardRows()).toBeGreaterThanOrEqual(1);
      expect(await row()).toBeNull();
      expect(await reservations()).toBe(0);

      // A retry of the same append after its row went: KurrentDB answers it as written, but the
      // reservation took the stock again until the sweeper finds the event below the reader's
      // position and gives it back instead of confirming it.
      const retried = await store.append(stream, [given], { expected: 'no-stream', enforceGuards: {} });
      expect(retried.replayed).toBe(true);
      expect(await stock(MAH)).toEqual({ available: before - 2, hold: null });
      expect(await store.sweepReservations(0)).toEqual({ released: 1, confirmed: 0 });
      expect(await stock(MAH)).toEqual({ available: before - 1, hold: null });
      expect(await row()).toBeNull();

      // A log reader behind the rows' position (another process's) reads the event again.
      const behind = await KurrentDbGuardRows.open({ connectionString: testDatabaseUrl(), schema, rules });
      try {
        await behind.confirm(await store.readStream(stream));
      } finally {
        await behind.close();
      }
      expect(await stock(MAH)).toEqual({ available: before - 1, hold: null });
      expect(await row()).toBeNull();
    } finally {
      await pruning.close();
    }
  });

  it('a store opened later (another process, or after a restart) applies nothing twice', async () => {
    const before = { mah: await stock(MAH), clinic: await stock(CLINIC) };
    const second = await open();
    try {
      expect(await second.guardFacts(MAH, BATCH, null)).toMatchObject({ stock: before.mah });
      expect(await second.guardFacts(CLINIC, BATCH, null)).toMatchObject({ stock: before.clinic });
    } finally {
      await second.close();
    }
  });

  it('rebuilds the rows from all of $all when the rule version changes', async () => {
    const before = { mah: await stock(MAH), clinic: await stock(CLINIC) };
    const rebuilt = await KurrentDbEventStore.connect({
      connectionString: realServer ?? double!.url,
      guards: { connectionString: testDatabaseUrl(), schema, rules: { ...rules, version: rules.version + 1000 } },
    });
    try {
      expect((await rebuilt.guardFacts(MAH, BATCH, null)).stock).toEqual(before.mah);
      expect((await rebuilt.guardFacts(CLINIC, BATCH, null)).stock).toEqual(before.clinic);
    } finally {
      await rebuilt.close();
    }
  }, 60_000);
});
