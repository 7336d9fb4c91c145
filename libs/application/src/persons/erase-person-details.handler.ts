import { type Actor, type ErasureBasis, personDecider, type PersonState, personStream, retainUntilFor } from '@vaxledger/domain';
import type { PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import { type AccessPolicy, enforce } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { ApplicationError } from '../kernel/errors';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

export interface ErasePersonDetailsCommand {
  readonly personId: string;
  readonly legalBasis: ErasureBasis;
}

export interface ErasePersonDetailsDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'doses' | 'batches'>;
  readonly vault: Pick<PersonVault, 'erase'>;
  readonly access: Pick<AccessPolicy, 'mayErasePersonDetails'>;
  /** The erasure is a fact of the province holding the details: this node's. */
  readonly provinceCode: string;
  readonly clock?: Clock;
}

/**
 * ErasePersonDetails (crypto-shredding): appends PersonDetailsErased (the decider checks the
 * person is recorded here and not on retention hold; a second erasure appends nothing) and then
 * destroys the data key. The vault-erasure reactor destroys it again from the log, so a crash
 * between the append and the key's destruction is healed, and other provinces do the same when
 * the event arrives.
 */
export class ErasePersonDetailsHandler {
  constructor(private readonly deps: ErasePersonDetailsDeps) {}

  async handle(command: ErasePersonDetailsCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { personId, legalBasis } = command;
    enforce(
      await this.deps.access.mayErasePersonDetails(actor),
      () => new ApplicationError('NOT_FOUND', 'no record of this person on this node'),
    );
    const now = (this.deps.clock ?? systemClock)();
    let state: PersonState = personDecider.initialState();
    const { answer } = await this.deps.executor.run({
      command: 'EraseDetails',
      streamId: personStream(this.deps.provinceCode, personId),
      resourceId: personId,
      actor,
      body: { personId, legalBasis },
      ...meta,
      decide: async (history) => {
        state = foldHistory(personDecider, history);
        const retainUntil = await this.retainUntilOf(personId);
        return personDecider.decide({ type: 'EraseDetails', data: { personId, legalBasis }, context: { now, actor, retainUntil } }, state);
      },
    });
    await this.deps.vault.erase(personId, state.keyId ?? undefined);
    return answer;
  }

  /**
   * The latest day any of the person's valid doses known here must still be kept: expiry of
   * the batch plus five years. Doses from every origin count, since the details serve them all.
   */
  private async retainUntilOf(personId: string): Promise<string | null> {
    const models = this.deps.reads;
    const doses = (await models.doses(personId)).filter((d) => d.status === 'valid');
    const batches = await models.batches([...new Set(doses.map((d) => d.batchId))]);
    const latest = batches
      .map((b) => b.expiresOn)
      .sort()
      .pop();
    return latest ? retainUntilFor(latest) : null;
  }
}
