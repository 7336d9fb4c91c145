import { type Actor, recallImpactExported } from '@vaxledger/domain';
import { accessedAt, type AuditedReadDeps, notFound } from '../audit/audited-reads';
import { type AccessContext, recordAccess } from '../audit/record-access';
import { enforce } from '../kernel/access';

export interface RecallImpact {
  readonly batchId: string;
  readonly persons: { personId: string; siteCode: string; administeredAt: string; originProvince: string }[];
  readonly holders: { site: string; available: number; quarantined: number }[];
  readonly position: string;
}

/**
 * ExportRecallImpact: every person dosed from a batch and every site holding it, within the
 * caller's reach (a provincial caller: its province's rows); it lists people, so it is answered
 * only once the export is in the access trail (RecallImpactExported).
 */
export class ExportRecallImpactQuery {
  constructor(private readonly deps: AuditedReadDeps) {}

  async handle(batchId: string, format: 'json' | 'csv', actor: Actor, context: AccessContext): Promise<RecallImpact> {
    const models = this.deps.reads;
    const position = models.position.toString();
    const hidden = notFound(`no batch ${batchId}`);
    if (!(await models.batch(batchId))) throw hidden();
    enforce(await this.deps.access.maySeeRecallImpact(actor, batchId), hidden);
    const [allRecipients, allStock] = await Promise.all([models.recipients(batchId), models.stockOfBatch(batchId)]);
    const inScope = await this.deps.access.impactRowFilter(actor, [
      ...allRecipients.map((r) => r.siteCode),
      ...allStock.map((s) => s.site),
    ]);
    const persons = allRecipients
      .filter((r) => inScope(r.siteCode))
      .map((r) => ({ personId: r.personId, siteCode: r.siteCode, administeredAt: r.administeredAt, originProvince: r.originProvince }));
    await recordAccess(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      context,
      recallImpactExported({
        batchId,
        purpose: context.purpose,
        accessedAt: accessedAt(this.deps),
        format,
        persons: new Set(persons.map((p) => p.personId)).size,
      }),
    );
    const holders = allStock
      .filter((s) => inScope(s.site) && s.available + s.quarantined > 0)
      .map((s) => ({ site: s.site, available: s.available, quarantined: s.quarantined }));
    return { batchId, persons, holders, position };
  }
}
