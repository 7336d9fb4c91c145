import type { Actor } from '@vaxledger/domain';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { type AefiCaseDeps, runAefiCase } from './aefi-case';

/** AcknowledgeAefi (AefiAcknowledged): the county CDC took the card; the reporting clock stops. Once only. */
export class AcknowledgeAefiHandler {
  constructor(private readonly deps: AefiCaseDeps) {}

  handle(reportId: string, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    return runAefiCase(this.deps, 'acknowledge', reportId, actor, meta, {}, (context) => ({
      type: 'AcknowledgeAefi',
      data: { reportId },
      context,
    }));
  }
}
