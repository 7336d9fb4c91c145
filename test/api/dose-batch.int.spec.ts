import type { RecordDoseCommand } from '@vaxledger/application';
import type { PostgresEventStore } from '@vaxledger/event-store';
import { nodeApplication, nodeExecutor } from '../../apps/api/src/infrastructure/application';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';
import { detailsOf } from '../support/person-details';

// The bulk entry point (demo seeding, file imports): many doses in one transaction and one
// commit, each under its own savepoint, so a refused dose refuses only itself (ADR 0011).

const LOT = 'BULK2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const UNITS = 400;
const residentId = (n: number): string => {
  // Distinct for n < 28,000: the day of March 1990 and a sequence number.
  const body = `51010419900 3${String(1 + (n % 28)).padStart(2, '0')}${String(Math.floor(n / 28) % 1000).padStart(3, '0')}`.replace(
    ' ',
    '',
  );
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
};
const dose = (n: number, batchId = BATCH): RecordDoseCommand => ({
  person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, ...detailsOf(residentId(n)) },
  batchId,
  doseNumber: 1,
  administeredAt: new Date(Date.now() - 3_600_000).toISOString(),
  route: 'IM',
  vaccinatorRef: 'V',
});
const actor = { orgCode: ORGS.clinic, role: 'clinic' as const, provinceCode: '440000', siteCode: ORGS.clinic };

describe('many doses through the bulk entry point', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT, quantity: UNITS });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('records the doses that may be given and refuses the others, each alone, in one commit per group', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    const logBefore = await api.logSize();
    const items = Array.from({ length: UNITS - 3 }, (_, n) => ({ command: dose(n), actor, meta: { correlationId: `bulk-${n}` } }));
    const started = Date.now();
    const results = await app.recordDose.handleMany(items);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `bulk doses: ${items.length} in ${seconds.toFixed(2)} s (${(items.length / seconds).toFixed(0)}/s) on ${api.runtime.store.capabilities.adapter}`,
    );
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .map((r) => String((r as PromiseRejectedResult).reason))
        .slice(0, 3),
    ).toEqual([]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(UNITS - 3);
    // Three left: five more, one of an unknown batch, so two run out of stock.
    const more = await app.recordDose.handleMany([
      ...Array.from({ length: 4 }, (_, k) => ({ command: dose(9000 + k), actor, meta: { correlationId: `more-${k}` } })),
      { command: dose(9100, `${HEPB_PRODUCT}-NOSUCHLOT`), actor, meta: { correlationId: 'unknown' } },
    ]);
    const codes = more.map((r) => (r.status === 'fulfilled' ? 'recorded' : (r.reason as { code: string }).code));
    expect(codes).toEqual(['recorded', 'recorded', 'recorded', 'INSUFFICIENT_STOCK', 'UNKNOWN_BATCH']);
    expect(await api.logSize()).toBe(logBefore + 2 * UNITS);
    await api.settle();
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    expect((inventory.body.batches as { batchId: string; available: number }[]).find((b) => b.batchId === BATCH)?.available).toBe(0);
  }, 120_000);
});

describe('the bulk entry point keeps every dose rule (group commit with set-based statements)', () => {
  let api: ApiHarness;
  const LOT2 = 'BULK2026B';
  const BATCH2 = `${HEPB_PRODUCT}-${LOT2}`;

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT2, quantity: 40 });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  const codeOf = (r: PromiseSettledResult<{ revision: number }>): string =>
    r.status === 'fulfilled' ? 'recorded' : String((r.reason as { code?: string }).code);

  it('commits a group in one transaction, and decides a person’s later dose in a later group against the earlier one', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    const store = api.runtime.store as unknown as { transaction: (...args: unknown[]) => Promise<unknown> };
    const transaction = store.transaction.bind(store);
    let transactions = 0;
    store.transaction = (...args) => {
      transactions += 1;
      return transaction(...args);
    };
    try {
      const second = { ...dose(100, BATCH2), doseNumber: 2, administeredAt: new Date(Date.now() - 60_000).toISOString() };
      const items = [
        ...Array.from({ length: 10 }, (_, n) => ({ command: dose(100 + n, BATCH2), actor, meta: { correlationId: `g-${n}` } })),
        { command: second, actor, meta: { correlationId: 'g-second' } },
      ];
      const results = await app.recordDose.handleMany(items, 100);
      // The second dose an hour after the first is too soon: it was decided against the first.
      expect(results.map(codeOf)).toEqual([...Array.from({ length: 10 }, () => 'recorded'), 'INTERVAL_TOO_SHORT']);
      // Ten persons in one group, the person's second dose in the next: two transactions, not eleven.
      expect(transactions).toBe(2);
    } finally {
      store.transaction = transaction;
    }
  }, 60_000);

  it('honours idempotency keys: a retry answers the first answer and appends nothing, a reused key with another dose is refused', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    // Built once: a retry sends the very same command.
    const commands = new Map([200, 201].map((n) => [n, dose(n, BATCH2)]));
    const keyed = (n: number, key: string) => ({
      command: commands.get(n)!,
      actor,
      meta: { correlationId: `k-${n}`, idempotencyKey: key },
    });
    const [once] = await app.recordDose.handleMany([keyed(200, 'bulk-key-1')]);
    expect(once?.status).toBe('fulfilled');
    const logBefore = await api.logSize();
    // The same key twice in one call, and once with another person's dose.
    const again = await app.recordDose.handleMany([keyed(200, 'bulk-key-1'), keyed(200, 'bulk-key-1'), keyed(201, 'bulk-key-1')]);
    expect(again.map(codeOf)).toEqual(['recorded', 'recorded', 'IDEMPOTENCY_KEY_REUSED']);
    for (const r of again.slice(0, 2))
      expect((r as PromiseFulfilledResult<{ eventIds: readonly string[] }>).value.eventIds).toEqual(
        (once as PromiseFulfilledResult<{ eventIds: readonly string[] }>).value.eventIds,
      );
    expect(await api.logSize()).toBe(logBefore);
  }, 60_000);

  it('gives the last units once when two bulk loads race for them: the others are refused, each alone', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    // 40 units, 11 used above: 29 left for 60 doses in two concurrent calls (two transactions at once on PostgreSQL).
    const load = (from: number) =>
      app.recordDose.handleMany(
        Array.from({ length: 30 }, (_, k) => ({ command: dose(from + k, BATCH2), actor, meta: { correlationId: `race-${from + k}` } })),
      );
    const [a, b] = await Promise.all([load(400), load(500)]);
    const codes = [...a!, ...b!].map(codeOf);
    expect(codes.filter((c) => c === 'recorded')).toHaveLength(29);
    expect(codes.filter((c) => c !== 'recorded')).toEqual(Array.from({ length: 31 }, () => 'INSUFFICIENT_STOCK'));
    const stock = await (api.runtime.store as PostgresEventStore).transaction((tx) => tx.guardFacts(ORGS.clinic, BATCH2, null));
    expect(stock.stock?.available).toBe(0);
  }, 60_000);

  it('refuses every dose of a group whose batch was recalled a moment earlier, and only those', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    const recall = await api.http
      .post('/v1/recalls')
      .set(AS.maker)
      .send({
        batchIds: [BATCH2],
        kind: 'recall',
        level: 1,
        initiation: 'voluntary',
        reasonCode: 'quality_defect',
        reasonText: 'potency below specification',
        effectiveAt: new Date(Date.now() - 60_000).toISOString(),
        actions: ['stop_use'],
        personFollowUp: 'notify',
      });
    expect(recall.status).toBe(201);
    const logBefore = await api.logSize();
    const results = await app.recordDose.handleMany([
      { command: dose(300, BATCH2), actor, meta: { correlationId: 'r-1' } },
      { command: dose(301, `${HEPB_PRODUCT}-NOSUCHLOT`), actor, meta: { correlationId: 'r-2' } },
      { command: dose(302, BATCH2), actor, meta: { correlationId: 'r-3' } },
    ]);
    expect(results.map(codeOf)).toEqual(['BATCH_RECALLED', 'UNKNOWN_BATCH', 'BATCH_RECALLED']);
    expect(await api.logSize()).toBe(logBefore);
  }, 60_000);
});
