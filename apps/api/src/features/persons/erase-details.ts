import { type Actor, type ErasureBasis, personDecider, type PersonState, retainUntilFor } from '@vaxledger/domain';
import type { CommandAnswer, CommandExecutor } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import type { CommandMeta } from '../command-meta';
import { foldHistory } from '@vaxledger/application';

export interface EraseDetailsRequest {
  readonly personId: string;
  readonly legalBasis: ErasureBasis;
  readonly actor: Actor;
  /** This province's stream of the person: the erasure is a fact of the province holding the details. */
  readonly streamId: string;
  readonly meta: CommandMeta;
}

/**
 * The latest day any of the person's valid doses known here must still be kept: expiry of
 * the batch plus five years. Doses from every origin count, since the details serve them all.
 */
const retainUntilOf = async (runtime: NodeRuntime, personId: string): Promise<string | null> => {
  const models = runtime.readModels;
  const doses = (await models.doses(personId)).filter((d) => d.status === 'valid');
  const batches = await models.batches([...new Set(doses.map((d) => d.batchId))]);
  const latest = batches
    .map((b) => b.expiresOn)
    .sort()
    .pop();
  return latest ? retainUntilFor(latest) : null;
};

/**
 * Appends PersonDetailsErased (the decider checks the person is recorded here and not on
 * retention hold; a second erasure appends nothing) and then destroys the data key. The
 * vault-erasure reactor destroys it again from the log, so a crash between the append and
 * the key's destruction is healed, and other provinces do the same when the event arrives.
 */
export const eraseDetails = async (
  runtime: NodeRuntime,
  executor: CommandExecutor,
  request: EraseDetailsRequest,
): Promise<CommandAnswer> => {
  const now = new Date().toISOString();
  let state: PersonState = personDecider.initialState();
  const { answer } = await executor.run({
    command: 'EraseDetails',
    streamId: request.streamId,
    resourceId: request.personId,
    actor: request.actor,
    body: { personId: request.personId, legalBasis: request.legalBasis },
    ...request.meta,
    decide: async (history) => {
      state = foldHistory(personDecider, history);
      const retainUntil = await retainUntilOf(runtime, request.personId);
      return personDecider.decide(
        {
          type: 'EraseDetails',
          data: { personId: request.personId, legalBasis: request.legalBasis },
          context: { now, actor: request.actor, retainUntil },
        },
        state,
      );
    },
  });
  await runtime.vault.erase(request.personId, state.keyId ?? undefined);
  return answer;
};
