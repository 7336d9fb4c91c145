import { requireDate } from '../shared/assertions';
import { compareDates, localDateOf, type LocalDate } from '../shared/dates';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { batchReleased, batchReleaseRefused, type LotReleaseEvent } from './lot-release.events';

/** The batch under decision, from the batch read model. */
export interface ReleaseBatchFacts {
  readonly producedOn: LocalDate;
  readonly expiresOn: LocalDate;
}

export interface LotReleaseContext extends BaseContext {
  readonly batch: ReleaseBatchFacts | null;
}

export type ReleaseBatch = Command<'ReleaseBatch', { batchId: string; certificateNo: string; decidedOn: LocalDate }, LotReleaseContext>;
export type RefuseRelease = Command<'RefuseRelease', { batchId: string; reason: string; decidedOn: LocalDate }, LotReleaseContext>;
export type LotReleaseCommand = ReleaseBatch | RefuseRelease;

export type LotReleaseState =
  | { readonly status: 'pending' }
  | { readonly status: 'released' | 'refused'; readonly decidedOn: LocalDate; readonly authorityOrgCode: string };

const initialState = (): LotReleaseState => ({ status: 'pending' });

/**
 * Checks shared by a grant and a refusal: one decision per batch, taken by a release
 * authority, on a day within the batch's life and not after today.
 */
const checkDecision = (command: LotReleaseCommand, state: LotReleaseState): void => {
  const { data, context } = command;
  // The edge also checks the lot-release permission; a manufacturer must never release its own lot.
  if (context.actor.role !== 'regulator') {
    throw new RuleViolation('NOT_RELEASE_AUTHORITY', 'only a lot-release authority decides on release');
  }
  if (!context.batch) throw new RuleViolation('UNKNOWN_BATCH', `no batch ${data.batchId}`, 'batchId');
  if (state.status !== 'pending') {
    throw new RuleViolation('RELEASE_ALREADY_DECIDED', `batch ${data.batchId} was already ${state.status}`, 'batchId');
  }
  requireDate(data.decidedOn, 'decidedOn');
  if (compareDates(data.decidedOn, localDateOf(context.now)) > 0) {
    throw new RuleViolation('TIME_IN_FUTURE', 'decidedOn is after today', 'decidedOn');
  }
  const { producedOn, expiresOn } = context.batch;
  if (compareDates(data.decidedOn, producedOn) < 0 || compareDates(data.decidedOn, expiresOn) >= 0) {
    throw new RuleViolation(
      'RELEASE_DATE_OUT_OF_RANGE',
      `decidedOn must be on or after ${producedOn} and before ${expiresOn}`,
      'decidedOn',
    );
  }
};

const decide = (command: LotReleaseCommand, state: LotReleaseState): LotReleaseEvent[] => {
  checkDecision(command, state);
  const authorityOrgCode = command.context.actor.orgCode;
  switch (command.type) {
    case 'ReleaseBatch': {
      const { batchId, certificateNo, decidedOn } = command.data;
      return [batchReleased({ batchId, certificateNo, decidedOn, authorityOrgCode })];
    }
    case 'RefuseRelease': {
      const { batchId, reason, decidedOn } = command.data;
      return [batchReleaseRefused({ batchId, reason, decidedOn, authorityOrgCode })];
    }
    default:
      return unreachable(command);
  }
};

const evolve = (state: LotReleaseState, event: LotReleaseEvent): LotReleaseState => {
  switch (event.type) {
    case 'BatchReleased':
      return { status: 'released', decidedOn: event.data.decidedOn, authorityOrgCode: event.data.authorityOrgCode };
    case 'BatchReleaseRefused':
      return { status: 'refused', decidedOn: event.data.decidedOn, authorityOrgCode: event.data.authorityOrgCode };
    default:
      return unreachable(event);
  }
};

export const lotReleaseDecider: Decider<LotReleaseCommand, LotReleaseEvent, LotReleaseState> = {
  decide,
  evolve,
  initialState,
};
