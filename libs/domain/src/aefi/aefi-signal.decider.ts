import type { BaseContext, Command, Decider } from '../shared/decider';
import type { DomainEvent } from '../shared/domain-event';
import type { Instant } from '../shared/dates';
import { evaluateSignal, type SignalCounts, type SignalThresholds } from './aefi-signal.statistics';

/**
 * A batch's AEFI count is unlikely under its product's other batches' rate: regulators see
 * it in their list and may answer with a recall. One per batch per node: the stream
 * `signal-{province}-{batchId}` holds it, so a re-evaluation never raises a second one.
 */
export type AefiSignalRaised = DomainEvent<
  'AefiSignalRaised',
  1,
  {
    signalId: string;
    batchId: string;
    productCode: string;
    reports: number;
    doses: number;
    ratePer100k: number;
    baselineReports: number;
    baselineDoses: number;
    baselineRatePer100k: number;
    expected: number;
    pValue: number;
    minReports: number;
    alpha: number;
    raisedAt: Instant;
  }
>;

export type AefiSignalEvent = AefiSignalRaised;

export interface EvaluateSignalContext extends BaseContext {
  readonly batch: SignalCounts;
  readonly others: SignalCounts;
  readonly thresholds: SignalThresholds;
}

export type EvaluateBatchSignal = Command<
  'EvaluateBatchSignal',
  { signalId: string; batchId: string; productCode: string },
  EvaluateSignalContext
>;

export interface AefiSignalState {
  readonly raised: boolean;
}

const decide = (command: EvaluateBatchSignal, state: AefiSignalState): AefiSignalEvent[] => {
  if (state.raised) return [];
  const { batch, others, thresholds, now } = command.context;
  const evaluation = evaluateSignal(batch, others, thresholds);
  if (!evaluation.raise || evaluation.pValue === null || evaluation.expected === null) return [];
  return [
    {
      type: 'AefiSignalRaised',
      schemaVersion: 1,
      data: {
        signalId: command.data.signalId,
        batchId: command.data.batchId,
        productCode: command.data.productCode,
        reports: batch.reports,
        doses: batch.doses,
        ratePer100k: evaluation.ratePer100k ?? 0,
        baselineReports: others.reports,
        baselineDoses: others.doses,
        baselineRatePer100k: evaluation.baselineRatePer100k ?? 0,
        expected: evaluation.expected,
        pValue: evaluation.pValue,
        minReports: thresholds.minReports,
        alpha: thresholds.alpha,
        raisedAt: now,
      },
    },
  ];
};

export const aefiSignalDecider: Decider<EvaluateBatchSignal, AefiSignalEvent, AefiSignalState> = {
  decide,
  evolve: () => ({ raised: true }),
  initialState: () => ({ raised: false }),
};
