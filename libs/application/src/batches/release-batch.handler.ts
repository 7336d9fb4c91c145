import type { Actor } from '@vaxledger/domain';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { decideLotRelease, type LotReleaseDeps } from './lot-release';

export interface ReleaseBatchCommand {
  readonly batchId: string;
  readonly certificateNo: string;
  readonly decidedOn: string;
}

/** ReleaseBatch: the regulator grants lot release (BatchReleased); nothing ships or is given before it. */
export class ReleaseBatchHandler {
  constructor(private readonly deps: LotReleaseDeps) {}

  handle(command: ReleaseBatchCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { batchId, ...certificate } = command;
    return decideLotRelease(
      this.deps,
      { type: 'ReleaseBatch', data: { batchId, certificateNo: command.certificateNo, decidedOn: command.decidedOn } },
      certificate,
      actor,
      meta,
    );
  }
}
