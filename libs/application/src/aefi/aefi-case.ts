import { type Actor, type AefiCommand, aefiDecider, aefiStream, RuleViolation } from '@vaxledger/domain';
import type { AefiReportRow, ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { ApplicationError } from '../kernel/errors';
import { foldHistory } from '../kernel/fold';
import type { AccessPolicy } from '../kernel/access';
import { type Clock, systemClock } from '../kernel/ports';

export interface AefiCaseDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'aefi'>;
  readonly access: Pick<AccessPolicy, 'mayHandleAefi'>;
  readonly provinceCode: string;
  readonly clock?: Clock;
}

export type AefiCaseAct = 'acknowledge' | 'classify';

/**
 * The county CDC's side of a report, in the CDC node's own `aefi-{province}-{reportId}`
 * stream (one writer per stream): what the acknowledgement and classification handlers share.
 * The events travel back to the reporter's province and to every province of vaccination.
 */
export const runAefiCase = async (
  deps: AefiCaseDeps,
  act: AefiCaseAct,
  reportId: string,
  actor: Actor,
  meta: CommandMeta,
  body: Record<string, unknown>,
  command: (context: Extract<AefiCommand, { type: 'AcknowledgeAefi' }>['context']) => AefiCommand,
): Promise<CommandAnswer> => {
  const unknown = (): RuleViolation => new RuleViolation('UNKNOWN_AEFI_REPORT', `no AEFI report ${reportId}`);
  const row: AefiReportRow | null = await deps.reads.aefi.report(reportId);
  if (!row?.reported || !row.reportProvince) throw unknown();
  // A report out of the actor's reach reads exactly like an unknown one.
  const decision = await deps.access.mayHandleAefi(actor, row, act);
  if (decision === 'not_found') throw unknown();
  if (decision === 'forbidden') throw new ApplicationError('FORBIDDEN', 'not allowed for this caller or jurisdiction');
  const context = {
    now: (deps.clock ?? systemClock)(),
    actor,
    nodeProvince: deps.provinceCode,
    report: { reportId, reportProvince: row.reportProvince, provinces: row.provinces },
  };
  const { answer } = await deps.executor.run({
    command: act === 'acknowledge' ? 'AcknowledgeAefi' : 'ClassifyAefi',
    streamId: aefiStream(deps.provinceCode, reportId),
    resourceId: reportId,
    actor,
    body: { reportId, ...body },
    ...meta,
    decide: async (history) => aefiDecider.decide(command(context), foldHistory(aefiDecider, history)),
  });
  return answer;
};
