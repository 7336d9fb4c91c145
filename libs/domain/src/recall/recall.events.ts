import type { DomainEvent } from '../shared/domain-event';
import type { Instant } from '../shared/dates';
import { compact } from '../shared/assertions';

/** A recall is final; a suspension stops use until it is lifted. */
export type RecallKind = 'recall' | 'suspension';
/** Recall level I (most serious) to III. */
export type RecallLevel = 1 | 2 | 3;
export type RecallInitiation = 'voluntary' | 'ordered';
export type RecallReasonCode = 'quality_defect' | 'safety_signal' | 'cold_chain' | 'counterfeit' | 'labelling' | 'other';
export type RecallAction = 'stop_use' | 'quarantine' | 'return' | 'destroy';
export type PersonFollowUp = 'none' | 'notify' | 'revaccinate';
export type LiftReasonCode = 'cleared' | 'issued_in_error';

export type BatchRecalled = DomainEvent<
  'BatchRecalled',
  1,
  {
    recallId: string;
    batchIds: readonly string[];
    kind: RecallKind;
    level: RecallLevel;
    initiation: RecallInitiation;
    reasonCode: RecallReasonCode;
    reasonText: string;
    effectiveAt: Instant;
    /** Provinces the order is limited to; absent = everywhere the batches went. */
    provinces?: readonly string[];
    actions: readonly RecallAction[];
    personFollowUp: PersonFollowUp;
    issuerOrgCode: string;
  }
>;

export type RecallLifted = DomainEvent<'RecallLifted', 1, { recallId: string; batchIds: readonly string[]; reasonCode: LiftReasonCode }>;

export type RecallEvent = BatchRecalled | RecallLifted;

export const batchRecalled = (data: BatchRecalled['data']): BatchRecalled => ({
  type: 'BatchRecalled',
  schemaVersion: 1,
  data: compact(data),
});

export const recallLifted = (data: RecallLifted['data']): RecallLifted => ({
  type: 'RecallLifted',
  schemaVersion: 1,
  data,
});
