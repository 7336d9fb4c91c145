import { type Actor, type AefiClass, aefiDecider, aefiStream, RuleViolation } from '@vaxledger/domain';
import type { AefiReportRow, ReadModels } from '@vaxledger/projections';
import { foldHistory } from '../fold';
import type { Clock, CommandAnswer, CommandMeta, CommandRunner } from './aefi.ports';

export interface AefiCaseDeps {
  readonly executor: CommandRunner;
  readonly reads: Pick<ReadModels, 'aefi'>;
  readonly provinceCode: string;
  readonly clock: Clock;
  /** Throws (403 / 404 as the policy says) unless the actor may act on this report. */
  readonly authorise: (actor: Actor, report: AefiReportRow, act: 'acknowledge' | 'classify') => Promise<void>;
}

const unknown = (reportId: string): RuleViolation => new RuleViolation('UNKNOWN_AEFI_REPORT', `no AEFI report ${reportId}`);

/**
 * The county CDC's side of a report, in the CDC node's own `aefi-{province}-{reportId}`
 * stream: acknowledging the card stops the reporting clock; classifying adds the class.
 * Both travel back to the reporter's province (and any other province of vaccination).
 */
export class AefiCaseHandler {
  constructor(private readonly deps: AefiCaseDeps) {}

  acknowledge(reportId: string, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    return this.run(reportId, actor, meta, 'acknowledge', {});
  }

  classify(reportId: string, aefiClass: AefiClass, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    return this.run(reportId, actor, meta, 'classify', { aefiClass });
  }

  private async run(
    reportId: string,
    actor: Actor,
    meta: CommandMeta,
    act: 'acknowledge' | 'classify',
    body: { aefiClass?: AefiClass },
  ): Promise<CommandAnswer> {
    const { reads, provinceCode } = this.deps;
    const row = await reads.aefi.report(reportId);
    if (!row?.reported || !row.reportProvince) throw unknown(reportId);
    await this.deps.authorise(actor, row, act);
    const now = this.deps.clock();
    const context = {
      now,
      actor,
      nodeProvince: provinceCode,
      report: { reportId, reportProvince: row.reportProvince, provinces: row.provinces },
    };
    const { answer } = await this.deps.executor.run({
      command: act === 'acknowledge' ? 'AcknowledgeAefi' : 'ClassifyAefi',
      streamId: aefiStream(provinceCode, reportId),
      resourceId: reportId,
      actor,
      body: { reportId, ...body },
      ...meta,
      decide: async (history) =>
        aefiDecider.decide(
          body.aefiClass
            ? { type: 'ClassifyAefi', data: { reportId, aefiClass: body.aefiClass }, context }
            : { type: 'AcknowledgeAefi', data: { reportId }, context },
          foldHistory(aefiDecider, history),
        ),
    });
    return answer;
  }
}
