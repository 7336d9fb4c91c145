import type { Actor, AefiClass } from '@vaxledger/domain';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { type AefiCaseDeps, runAefiCase } from './aefi-case';

/** ClassifyAefi (AefiClassified): the CDC or regulator adds the class; a later class replaces an earlier one. */
export class ClassifyAefiHandler {
  constructor(private readonly deps: AefiCaseDeps) {}

  handle(command: { reportId: string; aefiClass: AefiClass }, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { reportId, aefiClass } = command;
    return runAefiCase(this.deps, 'classify', reportId, actor, meta, { aefiClass }, (context) => ({
      type: 'ClassifyAefi',
      data: { reportId, aefiClass },
      context,
    }));
  }
}
