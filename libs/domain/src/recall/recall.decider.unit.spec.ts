import fc from 'fast-check';
import { deciderSpec } from '../testing/decider-spec';
import { actor, BATCH_ID, MAH, NOW, OTHER_MAH, PROVINCIAL_CDC, REGULATOR } from '../testing/fixtures';
import { foldRecorded } from '../shared/decider';
import { recallDecider, type IssueRecall, type IssueRecallData, type LiftRecall } from './recall.decider';
import { batchRecalled, recallLifted, type RecallKind } from './recall.events';
import type { Actor } from '../shared/domain-event';

const SECOND_BATCH = '8696321-202612B001';
const FOREIGN_BATCH = '8612345-A1';

const order: IssueRecallData = {
  recallId: 'RC-2026-0007',
  batchIds: [BATCH_ID, SECOND_BATCH],
  kind: 'recall',
  level: 1,
  initiation: 'ordered',
  reasonCode: 'quality_defect',
  reasonText: 'potency below specification',
  effectiveAt: '2026-11-20T09:00:00+08:00',
  actions: ['stop_use', 'return'],
  personFollowUp: 'notify',
};

const issue = (data: Partial<IssueRecallData> = {}, by: Actor = actor('regulator', REGULATOR)): IssueRecall => ({
  type: 'IssueRecall',
  data: { ...order, ...data },
  context: {
    now: NOW,
    actor: by,
    batches: { [BATCH_ID]: { mahOrgCode: MAH }, [SECOND_BATCH]: { mahOrgCode: MAH }, [FOREIGN_BATCH]: { mahOrgCode: OTHER_MAH } },
  },
});

const lift = (data: Partial<LiftRecall['data']> = {}, by: Actor = actor('regulator', REGULATOR)): LiftRecall => ({
  type: 'LiftRecall',
  data: { recallId: order.recallId, reasonCode: 'issued_in_error', ...data },
  context: { now: NOW, actor: by },
});

const recalled = (data: Partial<IssueRecallData> = {}, issuerOrgCode = REGULATOR) => batchRecalled({ ...order, ...data, issuerOrgCode });

const given = deciderSpec(recallDecider);

describe('recall, when none is issued', () => {
  it('records a regulator’s order', () => given([]).when(issue()).then([recalled()]));

  it('records a MAH’s voluntary recall of its own batches', () =>
    given([])
      .when(issue({ initiation: 'voluntary', provinces: ['510000'] }, actor('manufacturer', MAH)))
      .then([recalled({ initiation: 'voluntary', provinces: ['510000'] }, MAH)]));

  it('names each batch once', () =>
    given([])
      .when(issue({ batchIds: [BATCH_ID, BATCH_ID] }))
      .then([recalled({ batchIds: [BATCH_ID] })]));

  it('refuses a MAH recalling another MAH’s batch', () =>
    given([])
      .when(issue({ batchIds: [BATCH_ID, FOREIGN_BATCH] }, actor('manufacturer', MAH)))
      .thenRefuses('NOT_RECALL_ISSUER', 'batchIds'));

  it('refuses a CDC', () =>
    given([])
      .when(issue({}, actor('cdc', PROVINCIAL_CDC)))
      .thenRefuses('NOT_RECALL_ISSUER'));

  it('refuses an unknown batch', () =>
    given([])
      .when(issue({ batchIds: ['8696321-NOPE'] }))
      .thenRefuses('UNKNOWN_BATCH', 'batchIds'));

  it('refuses an order without batches', () =>
    given([])
      .when(issue({ batchIds: [] }))
      .thenRefuses('INVALID_QUANTITY'));

  it('refuses an effective time without offset', () =>
    given([])
      .when(issue({ effectiveAt: '2026-11-22T09:00:00' }))
      .thenRefuses('INVALID_DATE', 'effectiveAt'));

  it('refuses an effective time still to come (the batch is blocked from the moment it is recorded)', () =>
    given([])
      .when(issue({ effectiveAt: '2026-11-20T12:05:01+08:00' }))
      .thenRefuses('TIME_IN_FUTURE', 'effectiveAt'));

  it('has nothing to lift', () => given([]).when(lift()).thenRefuses('UNKNOWN_RECALL'));
});

describe('recall, when a recall is in force', () => {
  const inForce = [recalled()];

  it('refuses the same recall id again', () => given(inForce).when(issue()).thenRefuses('RECALL_EXISTS'));

  it('is lifted by a regulator only as issued in error', () =>
    given(inForce)
      .when(lift())
      .then([recallLifted({ recallId: order.recallId, batchIds: [BATCH_ID, SECOND_BATCH], reasonCode: 'issued_in_error' })]));

  it('is final otherwise', () =>
    given(inForce)
      .when(lift({ reasonCode: 'cleared' }))
      .thenRefuses('RECALL_NOT_LIFTABLE'));

  it('cannot be lifted by its MAH', () =>
    given(inForce)
      .when(lift({}, actor('manufacturer', MAH)))
      .thenRefuses('NOT_RECALL_ISSUER'));
});

describe('recall, when a suspension is in force', () => {
  const suspended = [recalled({ kind: 'suspension', level: 2 })];

  it('is lifted when cleared', () =>
    given(suspended)
      .when(lift({ reasonCode: 'cleared' }))
      .then([recallLifted({ recallId: order.recallId, batchIds: [BATCH_ID, SECOND_BATCH], reasonCode: 'cleared' })]));

  it('can be lifted for some batches', () =>
    given(suspended)
      .when(lift({ reasonCode: 'cleared', batchIds: [SECOND_BATCH] }))
      .then([recallLifted({ recallId: order.recallId, batchIds: [SECOND_BATCH], reasonCode: 'cleared' })]));

  it('refuses to lift a batch it does not cover', () =>
    given(suspended)
      .when(lift({ reasonCode: 'cleared', batchIds: [FOREIGN_BATCH] }))
      .thenRefuses('UNKNOWN_BATCH'));
});

describe('recall, when partly lifted', () => {
  const partly = [
    recalled({ kind: 'suspension' }),
    recallLifted({ recallId: order.recallId, batchIds: [SECOND_BATCH], reasonCode: 'cleared' }),
  ];

  it('lifts the rest by default', () =>
    given(partly)
      .when(lift({ reasonCode: 'cleared' }))
      .then([recallLifted({ recallId: order.recallId, batchIds: [BATCH_ID], reasonCode: 'cleared' })]));

  it('refuses to lift a batch twice', () =>
    given(partly)
      .when(lift({ reasonCode: 'cleared', batchIds: [SECOND_BATCH] }))
      .thenRefuses('RECALL_ALREADY_LIFTED'));
});

describe('recall, when fully lifted', () => {
  const lifted = [
    recalled(),
    recallLifted({ recallId: order.recallId, batchIds: [BATCH_ID, SECOND_BATCH], reasonCode: 'issued_in_error' }),
  ];

  it('refuses another lift', () => given(lifted).when(lift()).thenRefuses('RECALL_ALREADY_LIFTED'));

  it('folds deterministically, whatever was lifted', () =>
    fc.assert(
      fc.property(fc.constantFrom<RecallKind>('recall', 'suspension'), fc.subarray([BATCH_ID, SECOND_BATCH]), (kind, liftedIds) => {
        const recorded = [
          { event: recalled({ kind }), meta: { eventId: 'e1' } },
          { event: recallLifted({ recallId: order.recallId, batchIds: liftedIds, reasonCode: 'cleared' }), meta: { eventId: 'e2' } },
        ];
        expect(foldRecorded(recallDecider, recorded)).toEqual(foldRecorded(recallDecider, recorded));
      }),
    ));
});
