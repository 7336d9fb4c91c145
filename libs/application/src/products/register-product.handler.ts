import { type Actor, parseGtin, productDecider, productStream, type RegisterProductData, RuleViolation } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

/** A product as its MAH registers it; without packaging levels the product code is the unit level. */
export type RegisterProductCommand = Omit<RegisterProductData, 'levels'> & { readonly levels?: RegisterProductData['levels'] | undefined };

export interface RegisterProductDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'takenProductCodes' | 'product'>;
  readonly clock?: Clock;
}

/** RegisterProduct: a maker registers a product it holds the marketing authorisation for (ProductRegistered). */
export class RegisterProductHandler {
  constructor(private readonly deps: RegisterProductDeps) {}

  async handle(command: RegisterProductCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    for (const code of [command.productCode, ...(command.levels ?? []).map((l) => l.code)])
      if (code.length === 14 && !parseGtin(code).ok)
        throw new RuleViolation('INVALID_GTIN', `${code} is not a valid GTIN-14 (check digit)`, 'productCode');
    const levels = command.levels?.map((l) => ({ ...l })) ?? [{ level: 1, code: command.productCode, childrenPerParent: 1 }];
    const codes = [...new Set([command.productCode, ...levels.map((l) => l.code)])];
    const now = (this.deps.clock ?? systemClock)();
    const models = this.deps.reads;
    const { answer } = await this.deps.executor.run({
      command: 'RegisterProduct',
      streamId: productStream(command.productCode),
      resourceId: command.productCode,
      actor,
      body: command,
      ...meta,
      decide: async (history) => {
        // A code of this product's own (re-registration) is not taken by another.
        const taken = (await models.takenProductCodes(codes)).filter((c) => c !== command.productCode || history.length === 0);
        const owner = taken.length > 0 ? ((await models.product(taken[0]!))?.productCode ?? taken[0]) : undefined;
        return productDecider.decide(
          {
            type: 'RegisterProduct',
            data: { ...command, levels, storageC: { ...command.storageC } },
            context: { now, actor, ...(owner ? { codeTakenBy: owner } : {}) },
          },
          foldHistory(productDecider, history),
        );
      },
    });
    return answer;
  }
}
