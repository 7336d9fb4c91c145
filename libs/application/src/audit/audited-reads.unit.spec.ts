import type { Actor } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { AccessDecision } from '../kernel/access';
import { ExportRecallImpactQuery } from '../batches/export-recall-impact.query';
import { ReadImmunizationsQuery } from '../persons/read-immunizations.query';
import { handlerSpec, PROVINCE } from '../testing/handler-spec';
import { batchRow, BATCH_ID, CLINIC, doseRow, OTHER_CLINIC } from '../testing/rows';
import type { ReadAccessPolicy } from './audited-reads';

const clinic: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: '440000' };
const PERSON = 'p1AAAAAAAAAAAAAAAAAAAAAAAAAA';
const context = { purpose: 'treatment', correlationId: 'c' } as const;

const reads = {
  position: 7n,
  doses: (personId: string) => Promise.resolve(personId === PERSON ? [doseRow({ eventId: 'd1', personId: PERSON, siteCode: CLINIC })] : []),
  person: () => Promise.resolve(null),
  batch: (id: string) => Promise.resolve(id === BATCH_ID ? batchRow() : null),
  recipients: () =>
    Promise.resolve([
      {
        eventId: 'd1',
        batchId: BATCH_ID,
        personId: PERSON,
        siteCode: CLINIC,
        administeredAt: '2026-11-20',
        originProvince: '440000',
        voided: false,
      },
      {
        eventId: 'd2',
        batchId: BATCH_ID,
        personId: 'p1B',
        siteCode: OTHER_CLINIC,
        administeredAt: '2026-11-20',
        originProvince: '440000',
        voided: false,
      },
    ]),
  stockOfBatch: () => Promise.resolve([]),
} as unknown as ReadModels;

const policy = (decision: AccessDecision): ReadAccessPolicy => ({
  mayReadPersonRecord: () => Promise.resolve(decision),
  maySeeAefiReport: () => Promise.resolve(decision),
  maySeeRecallImpact: () => Promise.resolve(decision),
  impactRowFilter: () => Promise.resolve((site: string) => site === CLINIC),
});

describe('audited reads', () => {
  it('answers a person’s doses only after the read is in the caller’s audit stream', async () => {
    const spec = handlerSpec();
    const query = new ReadImmunizationsQuery({
      store: spec.store,
      provinceCode: PROVINCE,
      reads,
      access: policy('allow'),
      clock: spec.clock,
    });
    const doses = await spec.when(() => query.ofPerson(PERSON, clinic, context));
    expect(doses?.map((d) => d.eventId)).toEqual(['d1']);
    expect(await spec.appended()).toEqual([
      {
        streamId: expect.stringContaining(CLINIC),
        type: 'PersonRecordRead',
        data: expect.objectContaining({ personId: PERSON, purpose: 'treatment' }),
      },
    ]);
  });

  it('given a caller the policy hides the person from, answers as if there were no record and records nothing', async () => {
    const spec = handlerSpec();
    const query = new ReadImmunizationsQuery({
      store: spec.store,
      provinceCode: PROVINCE,
      reads,
      access: policy('not_found'),
      clock: spec.clock,
    });
    await spec.when(() => query.ofPerson(PERSON, clinic, context));
    await spec.thenRefuses('NOT_FOUND');
  });

  it('exports a recall impact within the caller’s reach, and records how many persons it listed', async () => {
    const spec = handlerSpec();
    const query = new ExportRecallImpactQuery({
      store: spec.store,
      provinceCode: PROVINCE,
      reads,
      access: policy('allow'),
      clock: spec.clock,
    });
    const impact = await spec.when(() => query.handle(BATCH_ID, 'csv', clinic, { ...context, purpose: 'recall_follow_up' }));
    expect(impact?.persons.map((p) => p.personId)).toEqual([PERSON]);
    expect(impact?.position).toBe('7');
    expect(await spec.appended()).toEqual([
      {
        streamId: expect.any(String),
        type: 'RecallImpactExported',
        data: expect.objectContaining({ batchId: BATCH_ID, persons: 1, format: 'csv' }),
      },
    ]);
  });
});
