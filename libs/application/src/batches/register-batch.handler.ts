import {
  type Actor,
  batchDecider,
  batchIdOf,
  batchStream,
  type ProduceBatchData,
  parseLotNumber,
  parseTraceCode,
  RuleViolation,
} from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandRunner } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { productFacts } from '../kernel/facts';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

/** A produced batch as the maker states it; the lot number and trace codes are normalised here. */
export type RegisterBatchCommand = ProduceBatchData;

export interface RegisterBatchDeps {
  readonly executor: CommandRunner;
  readonly reads: Pick<ReadModels, 'product' | 'knownTraceCodes'>;
  readonly clock?: Clock;
}

/** RegisterBatch: a batch the maker produced (BatchProduced); its id is `{productCode}-{lotNumber}`. */
export class RegisterBatchHandler {
  constructor(private readonly deps: RegisterBatchDeps) {}

  async handle(command: RegisterBatchCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const lot = parseLotNumber(command.lotNumber);
    if (!lot.ok) throw new RuleViolation('INVALID_LOT_NUMBER', 'lotNumber must be 1–20 letters and digits', 'lotNumber');
    const traceCodes = command.traceCodes?.map((raw, i) => {
      const code = parseTraceCode(raw);
      if (!code.ok) throw new RuleViolation('INVALID_TRACE_CODE', `traceCodes[${i}] is not a 20-digit trace code`, `traceCodes[${i}]`);
      return code.value as string;
    });
    const batchId = batchIdOf(command.productCode, lot.value);
    const now = (this.deps.clock ?? systemClock)();
    const models = this.deps.reads;
    const { answer } = await this.deps.executor.run({
      command: 'ProduceBatch',
      streamId: batchStream(batchId),
      resourceId: batchId,
      actor,
      body: command,
      ...meta,
      decide: async (history) => {
        const product = await models.product(command.productCode);
        const used = traceCodes ? await models.knownTraceCodes(traceCodes) : [];
        return batchDecider.decide(
          {
            type: 'ProduceBatch',
            data: {
              productCode: command.productCode,
              lotNumber: lot.value,
              producedOn: command.producedOn,
              expiresOn: command.expiresOn,
              quantity: command.quantity,
              ...(traceCodes ? { traceCodes } : {}),
            },
            context: { now, actor, product: product ? productFacts(product) : null, usedTraceCodes: used },
          },
          foldHistory(batchDecider, history),
        );
      },
    });
    return answer;
  }
}
