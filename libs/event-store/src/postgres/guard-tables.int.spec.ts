import { randomUUID } from 'node:crypto';
import { STOCK_GUARD_RULES_VERSION, stockGuardOps } from '@vaxledger/domain';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { GuardViolationError } from '../errors';
import type { NewEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';

// The guard rows every append keeps in its own transaction (ADR 0011), with the domain's
// rule: enforced takes of stock and draws of coded units, holds, replays and the rebuild.

const MAH = '91320100MA900DM01X';
const CLINIC = '12510104MC9000001X';
const BATCH = '8690017-251200A900';
const rules = { version: STOCK_GUARD_RULES_VERSION, opsFor: stockGuardOps };

const event = (type: string, data: unknown, orgCode = CLINIC): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { actor: { orgCode, role: 'clinic', provinceCode: '510000' } },
});
const dose = (site: string, traceCode: string | null = null): NewEvent =>
  event('DoseAdministered', { personId: randomUUID(), siteCode: site, batchId: BATCH, traceCode, administeredAt: '2026-01-01T00:00:00Z' });

describe('guard tables of the PostgreSQL event store', () => {
  let store: PostgresEventStore;
  const schema = freshSchema('guards');

  const stock = async (site: string): Promise<{ available: number; hold: string | null } | null> =>
    store.transaction(async (tx) => (await tx.guardFacts(site, BATCH, null)).stock);

  beforeAll(async () => {
    store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema, poolSize: 12, guardRules: rules });
    await store.append(`batch-${BATCH}`, [
      event('BatchProduced', { batchId: BATCH, mahOrgCode: MAH, quantity: 1000, traceCodes: ['10000000000000000001'] }, MAH),
    ]);
    await store.append(`site-${MAH}`, [
      event(
        'ShipmentDispatched',
        {
          shipmentId: 'S1',
          fromSite: MAH,
          toSite: CLINIC,
          lines: [{ batchId: BATCH, quantity: 50, traceCodes: ['10000000000000000001'] }],
        },
        MAH,
      ),
    ]);
    await store.append(`site-${CLINIC}`, [
      event('ShipmentReceived', { shipmentId: 'S1', lines: [{ batchId: BATCH, accepted: 50, traceCodes: ['10000000000000000001'] }] }),
    ]);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps stock per site from production, dispatch and receipt', async () => {
    expect(await stock(MAH)).toEqual({ available: 950, hold: null });
    expect(await stock(CLINIC)).toEqual({ available: 50, hold: null });
  });

  it('lets exactly 50 of 200 concurrent enforced doses take the last 50 doses; the rest are INSUFFICIENT_STOCK', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, n) =>
        store.append(`person-510000-p${n}`, [dose(CLINIC)], { expected: 'no-stream', enforceGuards: {} }),
      ),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as unknown);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(50);
    expect(refused.every((r) => r instanceof GuardViolationError && r.rule === 'INSUFFICIENT_STOCK')).toBe(true);
    expect(await stock(CLINIC)).toEqual({ available: 0, hold: null });
    const { rows } = await store.withClient((c) =>
      c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.events WHERE type = 'DoseAdministered'`),
    );
    expect(Number(rows[0]!.n)).toBe(50);
  }, 60_000);

  it('refuses a dose from a batch recalled just before, and takes nothing; a lift allows it again', async () => {
    const recall = event('BatchRecalled', { recallId: 'R1', batchIds: [BATCH], kind: 'recall' }, MAH);
    await store.append('recall-R1', [recall]);
    await expect(store.append('person-510000-mah', [dose(MAH)], { enforceGuards: {} })).rejects.toMatchObject({ rule: 'BATCH_RECALLED' });
    expect(await stock(MAH)).toEqual({ available: 950, hold: 'recall' });
    await store.append('recall-R1', [event('RecallLifted', { recallId: 'R1', batchIds: [BATCH] }, MAH)]);
    await store.append('person-510000-mah', [dose(MAH)], { enforceGuards: {} });
    expect(await stock(MAH)).toEqual({ available: 949, hold: null });
  });

  it('draws a coded unit once, and a retried append (same event id) reserves nothing again', async () => {
    const first = dose(CLINIC, '10000000000000000001');
    await store.append(`site-${CLINIC}`, [event('ShipmentReceived', { shipmentId: 'S-none', lines: [] })]);
    // Stock for the unit's dose: a second receipt of the same batch at the clinic (dispatch known).
    await store.append(`site-${MAH}`, [
      event('ShipmentDispatched', { shipmentId: 'S2', fromSite: MAH, toSite: CLINIC, lines: [{ batchId: BATCH, quantity: 5 }] }, MAH),
    ]);
    await store.append(`site-${CLINIC}`, [event('ShipmentReceived', { shipmentId: 'S2', lines: [{ batchId: BATCH, accepted: 5 }] })]);
    await store.append('person-510000-unit', [first], { expected: 'no-stream', enforceGuards: { dosesPerUnit: 1 } });
    const retried = await store.append('person-510000-unit', [first], { expected: 'no-stream', enforceGuards: { dosesPerUnit: 1 } });
    expect(retried.replayed).toBe(true);
    expect(await stock(CLINIC)).toEqual({ available: 4, hold: null });
    await expect(
      store.append('person-510000-unit2', [dose(CLINIC, '10000000000000000001')], { enforceGuards: { dosesPerUnit: 1 } }),
    ).rejects.toMatchObject({ rule: 'TRACE_CODE_USED' });
  });

  it('appends many streams in one statement, each item all-or-nothing on its own (bulk loads, ADR 0026)', async () => {
    const first = await store.readStream('person-510000-unit');
    const results = await store.transaction(async (tx) => {
      // The set-based reads answer what the one-by-one reads answer.
      const streams = await tx.readStreams(['person-510000-unit', 'person-510000-none']);
      expect(streams.get('person-510000-unit')).toEqual(first);
      expect(streams.get('person-510000-none')).toEqual([]);
      const keys = [
        { site: CLINIC, batchId: BATCH, traceCode: null },
        { site: MAH, batchId: BATCH, traceCode: '10000000000000000001' },
        { site: 'nowhere', batchId: BATCH, traceCode: null },
      ];
      expect(await tx.guardFactsMany(keys)).toEqual(await Promise.all(keys.map((k) => tx.guardFacts(k.site, k.batchId, k.traceCode))));
      const enforce = { enforceGuards: { dosesPerUnit: 1 } };
      return tx.appendEach([
        { streamId: 'person-510000-each1', events: [dose(CLINIC)], options: { expected: 'no-stream', ...enforce } },
        { streamId: 'person-510000-each2', events: [dose(CLINIC, '10000000000000000001')], options: { expected: 'no-stream', ...enforce } },
        { streamId: 'person-510000-unit', events: [dose(CLINIC)], options: { expected: 'no-stream', ...enforce } },
        { streamId: 'person-510000-unit', events: first.map((e) => ({ ...e })), options: { expected: 'no-stream', ...enforce } },
        { streamId: 'person-510000-each3', events: [dose(CLINIC)], options: { expected: 'no-stream', ...enforce } },
      ]);
    });
    expect(results.map((r) => (r instanceof Error ? r.name : r.replayed ? 'replayed' : 'appended'))).toEqual([
      'appended',
      'GuardViolationError',
      'StreamConflictError',
      'replayed',
      'appended',
    ]);
    expect(results[1]).toMatchObject({ rule: 'TRACE_CODE_USED' });
    const [one, , , , three] = results as { position: bigint }[];
    expect(three!.position).toBeGreaterThan(one!.position);
    // Two doses taken; the refused one left nothing behind.
    expect(await stock(CLINIC)).toEqual({ available: 2, hold: null });
    expect(await store.readStream('person-510000-each2')).toEqual([]);
    expect(await store.readStream('person-510000-unit')).toHaveLength(1);
  });

  it('rebuilds the same rows from the log', async () => {
    const before = await store.withClient((c) => c.query(`SELECT * FROM ${schema}.guard_stock ORDER BY site, batch_id`));
    const units = await store.withClient((c) => c.query(`SELECT * FROM ${schema}.guard_unit ORDER BY code`));
    expect(await store.rebuildGuards()).toBeGreaterThan(50);
    expect((await store.withClient((c) => c.query(`SELECT * FROM ${schema}.guard_stock ORDER BY site, batch_id`))).rows).toEqual(
      before.rows,
    );
    expect((await store.withClient((c) => c.query(`SELECT * FROM ${schema}.guard_unit ORDER BY code`))).rows).toEqual(units.rows);
  });
});
