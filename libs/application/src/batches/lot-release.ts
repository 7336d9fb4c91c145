import { type Actor, type LotReleaseCommand, lotReleaseDecider, lotReleaseStream, RuleViolation } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import { type AccessPolicy, enforce } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandRunner } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

export interface LotReleaseDeps {
  readonly executor: CommandRunner;
  readonly reads: Pick<ReadModels, 'batch'>;
  readonly access: Pick<AccessPolicy, 'mayDecideRelease'>;
  readonly clock?: Clock;
}

type Decision = Omit<LotReleaseCommand, 'context'>;

/**
 * The release authority's decision on a batch, granted or refused: both go to the batch's
 * lot-release stream and are checked against the batch's dates. `body` is what the caller
 * sent (its hash tells a retry from a reused idempotency key).
 */
export const decideLotRelease = async (
  deps: LotReleaseDeps,
  decision: Decision,
  body: unknown,
  actor: Actor,
  meta: CommandMeta,
): Promise<CommandAnswer> => {
  const { batchId } = decision.data;
  const now = (deps.clock ?? systemClock)();
  const { answer } = await deps.executor.run({
    command: decision.type,
    streamId: lotReleaseStream(batchId),
    resourceId: batchId,
    actor,
    body,
    ...meta,
    decide: async (history) => {
      enforce(
        await deps.access.mayDecideRelease(actor, batchId),
        () => new RuleViolation('UNKNOWN_BATCH', `no batch ${batchId}`, 'batchId'),
      );
      const batch = await deps.reads.batch(batchId);
      const context = { now, actor, batch: batch ? { producedOn: batch.producedOn, expiresOn: batch.expiresOn } : null };
      return lotReleaseDecider.decide({ ...decision, context } as LotReleaseCommand, foldHistory(lotReleaseDecider, history));
    },
  });
  return answer;
};
