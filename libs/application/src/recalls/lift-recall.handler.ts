import { type Actor, type LiftRecall, recallDecider, recallStream, RuleViolation } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import { type AccessPolicy, enforce } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

export type LiftRecallCommand = LiftRecall['data'];

export interface LiftRecallDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'recall'>;
  readonly access: Pick<AccessPolicy, 'mayLiftRecall'>;
  readonly clock?: Clock;
}

/** LiftRecall: a regulator lifts a suspension, or a recall issued in error (RecallLifted). */
export class LiftRecallHandler {
  constructor(private readonly deps: LiftRecallDeps) {}

  async handle(command: LiftRecallCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { recallId, ...lift } = command;
    const now = (this.deps.clock ?? systemClock)();
    const { answer } = await this.deps.executor.run({
      command: 'LiftRecall',
      streamId: recallStream(recallId),
      resourceId: recallId,
      actor,
      body: lift,
      ...meta,
      decide: async (history) => {
        // An unknown recall is the decider's to refuse; a known one out of reach reads like it.
        const recall = await this.deps.reads.recall(recallId);
        if (recall)
          enforce(
            await this.deps.access.mayLiftRecall(actor, recall),
            () => new RuleViolation('UNKNOWN_RECALL', `no recall ${recallId}`, 'recallId'),
          );
        return recallDecider.decide(
          {
            type: 'LiftRecall',
            data: { recallId, reasonCode: command.reasonCode, ...(command.batchIds ? { batchIds: command.batchIds } : {}) },
            context: { now, actor },
          },
          foldHistory(recallDecider, history),
        );
      },
    });
    return answer;
  }
}
