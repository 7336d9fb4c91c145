import { type Actor, type DestroyUnitsData, siteDecider, siteStream } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandRunner } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { batchFactsById } from '../kernel/facts';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';
import { checkLineTraceCodes } from '../shipments/trace-codes';

export type DestroyUnitsCommand = DestroyUnitsData;

export interface DestroyUnitsDeps {
  readonly executor: CommandRunner;
  readonly reads: Pick<ReadModels, 'batches' | 'product' | 'administeredAtSite'>;
  readonly clock?: Clock;
}

/** DestroyUnits: units held at the actor's site are destroyed under supervision (UnitsDestroyed). */
export class DestroyUnitsHandler {
  constructor(private readonly deps: DestroyUnitsDeps) {}

  async handle(command: DestroyUnitsCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    checkLineTraceCodes(command.lines);
    const now = (this.deps.clock ?? systemClock)();
    const models = this.deps.reads;
    const { answer } = await this.deps.executor.run({
      command: 'DestroyUnits',
      streamId: siteStream(actor.orgCode),
      resourceId: actor.orgCode,
      actor,
      body: command,
      ...meta,
      decide: async (history) => {
        const batchIds = command.lines.map((l) => l.batchId);
        return siteDecider.decide(
          {
            type: 'DestroyUnits',
            data: { ...command, lines: command.lines.map((l) => ({ ...l })) },
            context: {
              now,
              actor,
              batches: await batchFactsById(models, batchIds),
              administeredHere: await models.administeredAtSite(actor.orgCode, batchIds),
            },
          },
          foldHistory(siteDecider, history),
        );
      },
    });
    return answer;
  }
}
