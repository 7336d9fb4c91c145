import type { Actor } from '@vaxledger/domain';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { decideLotRelease, type LotReleaseDeps } from './lot-release';

export interface RefuseReleaseCommand {
  readonly batchId: string;
  readonly reason: string;
  readonly decidedOn: string;
}

/** RefuseRelease: the regulator refuses lot release (BatchReleaseRefused); the batch may only be destroyed. */
export class RefuseReleaseHandler {
  constructor(private readonly deps: LotReleaseDeps) {}

  handle(command: RefuseReleaseCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { batchId, ...refusal } = command;
    return decideLotRelease(
      this.deps,
      { type: 'RefuseRelease', data: { batchId, reason: command.reason, decidedOn: command.decidedOn } },
      refusal,
      actor,
      meta,
    );
  }
}
