import { randomUUID } from 'node:crypto';
import { PostgresEventStore, START, type NewEvent, type RecordedEvent } from '@vaxledger/event-store';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until } from '../../../../test/support/until';
import { ReadModels } from '../read-models';
import { aefiProjection } from './aefi.projection';
import { personRecordProjection } from '../person-record/person-record.projection';

// AEFI reports, their acknowledgement and class from two provinces' streams, straight as events.

const A = '510000';
const B = '440000';
const ev = (type: string, data: Record<string, unknown>, origin: string): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { originProvince: origin },
});
const P1 = 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa';
const P2 = 'p1bbbbbbbbbbbbbbbbbbbbbbbbbb';
const dose = (personId: string, batchId: string, origin: string): NewEvent =>
  ev(
    'DoseAdministered',
    {
      personId,
      siteCode: origin === A ? '12510104MB0000007X' : '12440300MB1B2345QN',
      administeredAt: '2026-11-19T09:00:00+08:00',
      batchId,
      productCode: '8696321',
      traceCode: null,
      vaccineType: 'HepB',
      doseNumber: 1,
    },
    origin,
  );
const report = (reportId: string, personId: string, d: NewEvent, origin: string, extra: Record<string, unknown> = {}): NewEvent => {
  const data = d.data as Record<string, string>;
  return ev(
    'AdverseEventReported',
    {
      reportId,
      personId,
      doseEventIds: [d.eventId],
      doses: [
        {
          doseEventId: d.eventId,
          batchId: data.batchId,
          productCode: '8696321',
          siteCode: data.siteCode,
          province: d.metadata.originProvince,
          administeredAt: data.administeredAt,
        },
      ],
      reporterSite: '12440300MB1B2345QN',
      discoveredAt: '2026-11-20T08:00:00+08:00',
      onsetAt: '2026-11-19T20:00:00+08:00',
      signs: ['fever_38_5'],
      serious: false,
      cluster: false,
      majorPublicImpact: false,
      outcome: 'recovering',
      urgent: false,
      deadlineAt: '2026-11-22T00:00:00.000Z',
      routeTo: [],
      narrativeInVault: true,
      ...extra,
    },
    origin,
  );
};

describe(`AEFI read model on ${testDatabaseKind()}`, () => {
  let store: PostgresEventStore;
  let models: ReadModels;
  let all: RecordedEvent[] = [];
  const R1 = randomUUID();
  const R2 = randomUUID();

  beforeAll(async () => {
    store = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('aefi_es'),
      engine: testDatabaseKind(),
    });
    models = await ReadModels.open(store, { connectionString: testDatabaseUrl(), schema: freshSchema('aefi_rm') }, [
      personRecordProjection,
      aefiProjection,
    ]);
    const d1 = dose(P1, '8696321-L1', A);
    const d2 = dose(P2, '8696321-L1', B);
    const d3 = dose(P2, '8696321-L2', B);
    await store.append(`person-${A}-${P1}`, [d1]);
    await store.append(`person-${B}-${P2}`, [d2, d3]);
    // A's CDC acknowledged and classified R1 (its own case stream) before B's report arrived here.
    await store.append(`aefi-${A}-${R1}`, [
      ev(
        'AefiAcknowledged',
        { reportId: R1, reportProvince: B, acknowledgedAt: '2026-11-20T09:00:00+08:00', cdcOrgCode: 'X', routeTo: [B] },
        A,
      ),
      ev(
        'AefiClassified',
        { reportId: R1, reportProvince: B, aefiClass: 'undetermined', classifiedAt: '2026-11-20T09:00:00+08:00', routeTo: [B] },
        A,
      ),
      ev(
        'AefiClassified',
        { reportId: R1, reportProvince: B, aefiClass: 'rare_reaction', classifiedAt: '2026-11-21T09:00:00+08:00', routeTo: [B] },
        A,
      ),
    ]);
    await store.append(`aefi-${B}-${R1}`, [report(R1, P1, d1, B)]);
    await store.append(`aefi-${B}-${R2}`, [report(R2, P2, d2, B, { serious: true, urgent: true, deadlineAt: '2026-11-20T02:00:00.000Z' })]);
    // Another session's open transaction (the server is shared) can hold the safe read bound back a while.
    await until('the appends are readable', async () => (all = await store.readAll({ after: START, limit: 1000 })).length === 8);
  });
  afterAll(async () => {
    await models.close();
    await store.close();
  });

  const snapshot = async (): Promise<unknown> => ({
    r1: await models.aefi.report(R1),
    batch: await models.aefi.batchSummary('8696321-L1'),
    overdue: (await models.aefi.overdue(new Date('2026-11-22T00:00:01Z'), null)).map((r) => r.reportId),
    counts: [...(await models.aefi.reportsByBatch('8696321')).entries()],
  });

  it('merges report, acknowledgement and the latest class whatever their order', async () => {
    await models.runner.applyBatch(all);
    expect(await models.aefi.report(R1)).toMatchObject({
      reported: true,
      reportProvince: B,
      personId: P1,
      provinces: [B, A].sort(),
      aefiClass: 'rare_reaction',
      acknowledgedBy: 'X',
    });
    expect((await models.aefi.reportsOfPerson(P1)).map((r) => r.reportId)).toEqual([R1]);
  });

  it('counts reports by seriousness and class, and the rate per 100,000 doses of every province', async () => {
    expect(await models.aefi.batchSummary('8696321-L1')).toEqual({
      batchId: '8696321-L1',
      reports: 2,
      persons: 2,
      bySeriousness: { serious: 1, nonSerious: 1 },
      byClass: { rare_reaction: 1, unclassified: 1 },
      doses: 2, // one dose from A, one from B
      ratePer100k: 100_000,
    });
    // A batch with no report (and no dose): zeros, no rate.
    expect(await models.aefi.batchSummary('8696321-NONE')).toEqual({
      batchId: '8696321-NONE',
      reports: 0,
      persons: 0,
      bySeriousness: { serious: 0, nonSerious: 0 },
      byClass: {},
      doses: 0,
      ratePer100k: null,
    });
    expect([...(await models.aefi.dosesByBatch('8696321')).entries()].sort()).toEqual([
      ['8696321-L1', 2],
      ['8696321-L2', 1],
    ]);
  });

  it('lists unacknowledged reports past their deadline, by jurisdiction', async () => {
    const justAfterUrgent = new Date('2026-11-20T02:00:01Z');
    expect((await models.aefi.overdue(justAfterUrgent, null)).map((r) => r.reportId)).toEqual([R2]);
    expect((await models.aefi.overdue(new Date('2026-11-20T01:59:59Z'), null)).map((r) => r.reportId)).toEqual([]);
    // R2 concerns only B (reported and given there); R1 was acknowledged.
    expect(await models.aefi.overdue(justAfterUrgent, ['51'])).toEqual([]);
    expect((await models.aefi.overdue(justAfterUrgent, ['44'])).map((r) => r.reportId)).toEqual([R2]);
    expect(await models.aefi.overdueCounts(justAfterUrgent)).toEqual({ urgent: 1, routine: 0 });
  });

  it('gives the same rows when delivered again and after a rebuild', async () => {
    const before = await snapshot();
    await models.runner.applyBatch(all);
    expect(await snapshot()).toEqual(before);
    await models.runner.reset(aefiProjection);
    for (let i = 0; i < all.length; i += 2) await models.runner.applyBatch(all.slice(i, i + 2));
    expect(await snapshot()).toEqual(before);
  });
});
