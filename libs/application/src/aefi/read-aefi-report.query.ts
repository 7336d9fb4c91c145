import { type Actor, personRecordRead } from '@vaxledger/domain';
import type { AefiReportRow } from '@vaxledger/projections';
import { accessedAt, type AuditedReadDeps, notFound } from '../audit/audited-reads';
import { type AccessContext, recordAccess } from '../audit/record-access';
import { enforce } from '../kernel/access';

/** ReadAefiReport: one reported AEFI case; it names a person, so the read is audited (PersonRecordRead). */
export class ReadAefiReportQuery {
  constructor(private readonly deps: AuditedReadDeps) {}

  async handle(reportId: string, actor: Actor, context: AccessContext, hidden = `no AEFI report ${reportId}`): Promise<AefiReportRow> {
    const report = await this.deps.reads.aefi.report(reportId);
    if (!report?.reported || !report.personId) throw notFound(hidden)();
    enforce(await this.deps.access.maySeeAefiReport(actor, report), notFound(hidden));
    await recordAccess(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      context,
      personRecordRead({ personId: report.personId, purpose: context.purpose, accessedAt: accessedAt(this.deps) }),
    );
    return report;
  }
}
