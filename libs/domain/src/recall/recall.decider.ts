import { requireNotInFuture } from '../shared/assertions';
import type { Instant } from '../shared/dates';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import {
  batchRecalled,
  recallLifted,
  type LiftReasonCode,
  type PersonFollowUp,
  type RecallAction,
  type RecallEvent,
  type RecallInitiation,
  type RecallKind,
  type RecallLevel,
  type RecallReasonCode,
} from './recall.events';

/** Owner of a batch named in a recall, from the batch read model. */
export interface RecallBatchFacts {
  readonly mahOrgCode: string;
}

export interface IssueRecallData {
  readonly recallId: string;
  readonly batchIds: readonly string[];
  readonly kind: RecallKind;
  readonly level: RecallLevel;
  readonly initiation: RecallInitiation;
  readonly reasonCode: RecallReasonCode;
  readonly reasonText: string;
  readonly effectiveAt: Instant;
  readonly provinces?: readonly string[];
  readonly actions: readonly RecallAction[];
  readonly personFollowUp: PersonFollowUp;
}

export interface IssueRecallContext extends BaseContext {
  /** One entry per batch id of the command; null when the batch is unknown. */
  readonly batches: Readonly<Record<string, RecallBatchFacts | null>>;
}

export type IssueRecall = Command<'IssueRecall', IssueRecallData, IssueRecallContext>;
export type LiftRecall = Command<
  'LiftRecall',
  {
    recallId: string;
    reasonCode: LiftReasonCode;
    /** Lift for some of the batches only; absent = every batch still under the order. */
    batchIds?: readonly string[];
  },
  BaseContext
>;
export type RecallCommand = IssueRecall | LiftRecall;

export type RecallState =
  | { readonly status: 'none' }
  | {
      readonly status: 'issued';
      readonly recallId: string;
      readonly kind: RecallKind;
      readonly issuerOrgCode: string;
      readonly batchIds: readonly string[];
      readonly liftedBatchIds: readonly string[];
    };

const initialState = (): RecallState => ({ status: 'none' });

const issue = ({ data, context }: IssueRecall, state: RecallState): RecallEvent[] => {
  const { actor } = context;
  if (actor.role !== 'regulator' && actor.role !== 'manufacturer') {
    throw new RuleViolation('NOT_RECALL_ISSUER', 'a recall is issued by a regulator or the batch’s MAH');
  }
  if (state.status !== 'none') throw new RuleViolation('RECALL_EXISTS', `recall ${data.recallId} exists`, 'recallId');
  const batchIds = [...new Set(data.batchIds)];
  if (batchIds.length === 0) throw new RuleViolation('INVALID_QUANTITY', 'name at least one batch', 'batchIds');
  // A recall blocks the batch from the moment it is recorded: an effective time still to come
  // would say otherwise (no scheduled recalls; record it when it takes effect).
  requireNotInFuture(data.effectiveAt, context.now, 'effectiveAt');
  for (const batchId of batchIds) {
    const batch = context.batches[batchId];
    if (!batch) throw new RuleViolation('UNKNOWN_BATCH', `no batch ${batchId}`, 'batchIds');
    if (actor.role === 'manufacturer' && batch.mahOrgCode !== actor.orgCode) {
      throw new RuleViolation('NOT_RECALL_ISSUER', `batch ${batchId} belongs to another MAH`, 'batchIds');
    }
  }
  return [
    batchRecalled({
      recallId: data.recallId,
      batchIds,
      kind: data.kind,
      level: data.level,
      initiation: data.initiation,
      reasonCode: data.reasonCode,
      reasonText: data.reasonText,
      effectiveAt: data.effectiveAt,
      provinces: data.provinces,
      actions: data.actions,
      personFollowUp: data.personFollowUp,
      issuerOrgCode: actor.orgCode,
    }),
  ];
};

const lift = ({ data, context }: LiftRecall, state: RecallState): RecallEvent[] => {
  if (state.status !== 'issued') throw new RuleViolation('UNKNOWN_RECALL', `no recall ${data.recallId}`, 'recallId');
  if (context.actor.role !== 'regulator') {
    throw new RuleViolation('NOT_RECALL_ISSUER', 'only a regulator lifts a recall or suspension');
  }
  const stillActive = state.batchIds.filter((batchId) => !state.liftedBatchIds.includes(batchId));
  const requested = data.batchIds ? [...new Set(data.batchIds)] : stillActive;
  const outside = requested.find((batchId) => !state.batchIds.includes(batchId));
  if (outside !== undefined) throw new RuleViolation('UNKNOWN_BATCH', `${outside} is not under this order`, 'batchIds');
  if (requested.length === 0 || requested.some((batchId) => state.liftedBatchIds.includes(batchId))) {
    throw new RuleViolation('RECALL_ALREADY_LIFTED', `recall ${data.recallId} is already lifted`, 'batchIds');
  }
  // A recall is final; only a regulator's admission that it was issued in error undoes it.
  if (state.kind === 'recall' && data.reasonCode !== 'issued_in_error') {
    throw new RuleViolation('RECALL_NOT_LIFTABLE', 'a recall can only be lifted as issued in error', 'reasonCode');
  }
  return [recallLifted({ recallId: data.recallId, batchIds: requested, reasonCode: data.reasonCode })];
};

const decide = (command: RecallCommand, state: RecallState): RecallEvent[] => {
  switch (command.type) {
    case 'IssueRecall':
      return issue(command, state);
    case 'LiftRecall':
      return lift(command, state);
    default:
      return unreachable(command);
  }
};

const evolve = (state: RecallState, event: RecallEvent): RecallState => {
  switch (event.type) {
    case 'BatchRecalled': {
      const { recallId, kind, issuerOrgCode, batchIds } = event.data;
      return { status: 'issued', recallId, kind, issuerOrgCode, batchIds, liftedBatchIds: [] };
    }
    case 'RecallLifted': {
      if (state.status !== 'issued') return state;
      const lifted = new Set([...state.liftedBatchIds, ...event.data.batchIds]);
      return { ...state, liftedBatchIds: state.batchIds.filter((batchId) => lifted.has(batchId)) };
    }
    default:
      return unreachable(event);
  }
};

export const recallDecider: Decider<RecallCommand, RecallEvent, RecallState> = { decide, evolve, initialState };
