import { type Actor, aefiSignalDecider, type SignalThresholds, signalStream } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';
import { uuidV5 } from '../kernel/uuid-v5';

export interface RaiseAefiSignalDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'aefi'>;
  readonly provinceCode: string;
  readonly thresholds: SignalThresholds;
  readonly clock?: Clock;
}

/**
 * EvaluateBatchSignal (AefiSignalRaised): counts a batch's reports and doses against its
 * product's other batches (doses of every province synced here) and raises the signal when
 * the rule holds. The signal's stream and id are fixed per batch and node, so however often
 * it is evaluated, at most one signal is raised.
 */
export class RaiseAefiSignalHandler {
  constructor(private readonly deps: RaiseAefiSignalDeps) {}

  async handle(target: { batchId: string; productCode: string }, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { reads, provinceCode } = this.deps;
    const signalId = uuidV5(`aefi-signal|${provinceCode}|${target.batchId}`);
    const { answer } = await this.deps.executor.run({
      command: 'EvaluateBatchSignal',
      streamId: signalStream(provinceCode, target.batchId),
      resourceId: signalId,
      actor,
      body: target,
      correlationId: meta.correlationId,
      decide: async (history) => {
        const [doses, reports] = await Promise.all([
          reads.aefi.dosesByBatch(target.productCode),
          reads.aefi.reportsByBatch(target.productCode),
        ]);
        const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
        const batch = { reports: reports.get(target.batchId) ?? 0, doses: doses.get(target.batchId) ?? 0 };
        const others = { reports: sum(reports) - batch.reports, doses: sum(doses) - batch.doses };
        return aefiSignalDecider.decide(
          {
            type: 'EvaluateBatchSignal',
            data: { signalId, ...target },
            context: { now: (this.deps.clock ?? systemClock)(), actor, batch, others, thresholds: this.deps.thresholds },
          },
          foldHistory(aefiSignalDecider, history),
        );
      },
    });
    return answer;
  }
}
