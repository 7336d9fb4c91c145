import type { AefiReportRow, ReadModels } from '@vaxledger/projections';
import { siteScope } from '../../auth/access';
import type { AefiScope } from '../../auth/policy';

/** What policy.ts decides AEFI access on: the report's reporter, provinces and dose sites. */
export const aefiScope = async (models: ReadModels, report: AefiReportRow): Promise<AefiScope> => ({
  reporterSite: report.reporterSite,
  provinces: report.provinces,
  doseSites: await Promise.all([...new Set(report.doses.map((d) => d.siteCode))].map((s) => siteScope(models, s))),
});
