import { type Actor, type IssueRecallData, recallDecider, recallStream, RuleViolation } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import { type AccessPolicy, enforce } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandRunner } from '../kernel/command-executor';
import { type CommandMeta, newResourceId } from '../kernel/command-meta';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

/** A recall or suspension of batches; the node names it (from the idempotency key when there is one). */
export type LaunchRecallCommand = Omit<IssueRecallData, 'recallId'>;

export interface LaunchRecallDeps {
  readonly executor: CommandRunner;
  readonly reads: Pick<ReadModels, 'batches'>;
  readonly access: Pick<AccessPolicy, 'mayRecallBatch'>;
  readonly clock?: Clock;
}

/** LaunchRecall: the maker or a regulator recalls or suspends batches (BatchRecalled); doses from them are refused afterwards. */
export class LaunchRecallHandler {
  constructor(private readonly deps: LaunchRecallDeps) {}

  async handle(command: LaunchRecallCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const recallId = newResourceId('recall', actor, meta);
    const now = (this.deps.clock ?? systemClock)();
    const { answer } = await this.deps.executor.run({
      command: 'IssueRecall',
      streamId: recallStream(recallId),
      resourceId: recallId,
      actor,
      body: command,
      ...meta,
      decide: async (history) => {
        // Every named batch must be the actor's to recall; one out of reach reads like an unknown one.
        const decisions = await Promise.all(command.batchIds.map((id) => this.deps.access.mayRecallBatch(actor, id)));
        command.batchIds.forEach((id, i) => enforce(decisions[i]!, () => new RuleViolation('UNKNOWN_BATCH', `no batch ${id}`, 'batchIds')));
        const rows = await this.deps.reads.batches(command.batchIds);
        const batches = Object.fromEntries(command.batchIds.map((id) => [id, null])) as Record<string, { mahOrgCode: string } | null>;
        for (const row of rows) batches[row.batchId] = { mahOrgCode: row.mahOrgCode };
        return recallDecider.decide(
          { type: 'IssueRecall', data: { ...command, recallId }, context: { now, actor, batches } },
          foldHistory(recallDecider, history),
        );
      },
    });
    return answer;
  }
}
