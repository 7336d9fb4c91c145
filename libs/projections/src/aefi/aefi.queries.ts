import type { DataSource } from 'typeorm';
import { AefiReportRow, AefiSignalRow } from './aefi.entities';

/** A dose as an AEFI report needs it (from any province that synced it here). */
export interface AefiDoseRow {
  readonly eventId: string;
  readonly personId: string;
  readonly siteCode: string;
  readonly batchId: string;
  readonly productCode: string;
  readonly administeredAt: string;
  readonly originProvince: string;
  readonly status: 'valid' | 'voided';
}

/** Which reports a caller may list: every one (national), or those concerning these province prefixes. */
export type ProvinceFilter = readonly string[] | null;

export interface BatchAefiSummary {
  readonly batchId: string;
  readonly reports: number;
  /** People with a report on the batch, each once however many reports name them: the cases. */
  readonly persons: number;
  readonly bySeriousness: { readonly serious: number; readonly nonSerious: number };
  readonly byClass: Readonly<Record<string, number>>;
  /** Valid doses of the batch counted here (every province that synced them). */
  readonly doses: number;
  /** Cases (persons) per 100,000 valid doses: a report sent twice does not count twice. */
  readonly ratePer100k: number | null;
}

/** SQL: the report `r` concerns a province in the parameter `param` (a `text[]` of two-digit prefixes; null: any). */
export const aefiProvinceFilter = (param: string): string =>
  `(${param}::text[] IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.provinces) AS p(code) WHERE left(p.code, 2) = ANY(${param}::text[])))`;
const FILTER = aefiProvinceFilter('$1');

/** Queries of the AEFI read model (libs/projections/src/aefi). */
export class AefiQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  private t(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  report(reportId: string): Promise<AefiReportRow | null> {
    return this.dataSource.getRepository(AefiReportRow).findOneBy({ reportId });
  }

  reportsOfPerson(personId: string): Promise<AefiReportRow[]> {
    return this.dataSource.getRepository(AefiReportRow).find({ where: { personId, reported: true }, order: { position: 'ASC' } });
  }

  async doses(eventIds: readonly string[]): Promise<AefiDoseRow[]> {
    const uuids = eventIds.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
    if (uuids.length === 0) return [];
    return this.dataSource.query(
      `SELECT "eventId", "personId", "siteCode", "batchId", "productCode", "administeredAt", "originProvince", status
         FROM ${this.t('rm_dose')} WHERE "eventId" = ANY($1::uuid[])`,
      [uuids.map((id) => id.toLowerCase())],
    );
  }

  /** Reports whose deadline passed at `now` without acknowledgement. */
  overdue(now: Date, provinces: ProvinceFilter, limit = 500): Promise<AefiReportRow[]> {
    return this.rows(`r.reported AND r."acknowledgedAt" IS NULL AND ${FILTER} AND r."deadlineAt" < $2`, [provinces, now], limit);
  }

  /** Overdue reports at `now` by whether the 2-hour clock applies (for /metrics). */
  async overdueCounts(now: Date): Promise<{ urgent: number; routine: number }> {
    const rows: { urgent: boolean; n: number }[] = await this.dataSource.query(
      `SELECT urgent, count(*)::int AS n FROM ${this.t('rm_aefi_report')}
        WHERE reported AND "acknowledgedAt" IS NULL AND "deadlineAt" < $1 GROUP BY urgent`,
      [now],
    );
    return { urgent: rows.find((r) => r.urgent)?.n ?? 0, routine: rows.find((r) => !r.urgent)?.n ?? 0 };
  }

  private async rows(where: string, params: unknown[], limit: number): Promise<AefiReportRow[]> {
    const raw: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT r."reportId" FROM ${this.t('rm_aefi_report')} r WHERE ${where} ORDER BY r."deadlineAt" ASC, r."reportId" LIMIT ${Math.floor(limit)}`,
      params,
    );
    if (raw.length === 0) return [];
    const ids = raw.map((r) => String(r.reportId));
    const found = await this.dataSource
      .getRepository(AefiReportRow)
      .createQueryBuilder('r')
      .where('r."reportId" = ANY(:ids)', { ids })
      .getMany();
    const byId = new Map(found.map((r) => [r.reportId, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is AefiReportRow => r !== undefined);
  }

  /** Valid doses per batch of a product, across every province that synced them here. */
  async dosesByBatch(productCode: string): Promise<Map<string, number>> {
    const rows: { batchId: string; n: number }[] = await this.dataSource.query(
      `SELECT "batchId", count(*)::int AS n FROM ${this.t('rm_dose')} WHERE "productCode" = $1 AND status = 'valid' GROUP BY "batchId"`,
      [productCode],
    );
    return new Map(rows.map((r) => [r.batchId, r.n]));
  }

  /**
   * Reported AEFI cases per batch of a product: the persons with a report naming the batch, each
   * once (seven reports of one reaction are one case, not seven; a signal counts cases).
   */
  async reportsByBatch(productCode: string): Promise<Map<string, number>> {
    const rows: { batchId: string; n: number }[] = await this.dataSource.query(
      `SELECT b."batchId", count(DISTINCT coalesce(r."personId", r."reportId"))::int AS n FROM ${this.t('rm_aefi_report_batch')} b
         JOIN ${this.t('rm_aefi_report')} r ON r."reportId" = b."reportId" AND r.reported
        WHERE b."productCode" = $1 GROUP BY b."batchId"`,
      [productCode],
    );
    return new Map(rows.map((r) => [r.batchId, r.n]));
  }

  async batchSummary(batchId: string): Promise<BatchAefiSummary> {
    // One pass over the batch's reports: counts per seriousness and class, and (the empty
    // grouping set, `total` 1) the distinct persons over all of them, each person once.
    const [groups, [{ n: doses }]] = (await Promise.all([
      this.dataSource.query(
        `SELECT GROUPING(r.serious, r."aefiClass") AS total, r.serious, r."aefiClass", count(*)::int AS n,
                count(DISTINCT coalesce(r."personId", r."reportId"))::int AS persons
           FROM ${this.t('rm_aefi_report_batch')} b
           JOIN ${this.t('rm_aefi_report')} r ON r."reportId" = b."reportId" AND r.reported
          WHERE b."batchId" = $1
          GROUP BY GROUPING SETS ((r.serious, r."aefiClass"), ())`,
        [batchId],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM ${this.t('rm_dose')} WHERE "batchId" = $1 AND status = 'valid'`, [batchId]),
    ])) as [{ total: number; serious: boolean; aefiClass: string | null; n: number; persons: number }[], [{ n: number }]];
    const rows = groups.filter((g) => Number(g.total) === 0);
    const persons = groups.find((g) => Number(g.total) !== 0)?.persons ?? 0;
    const byClass: Record<string, number> = {};
    let serious = 0;
    let nonSerious = 0;
    for (const row of rows) {
      if (row.serious) serious += row.n;
      else nonSerious += row.n;
      const key = row.aefiClass ?? 'unclassified';
      byClass[key] = (byClass[key] ?? 0) + row.n;
    }
    const reports = serious + nonSerious;
    return {
      batchId,
      reports,
      persons,
      bySeriousness: { serious, nonSerious },
      byClass,
      doses,
      ratePer100k: doses > 0 ? (persons / doses) * 100_000 : null,
    };
  }

  reportsOfBatch(batchId: string, limit = 500): Promise<AefiReportRow[]> {
    return this.rows(
      `EXISTS (SELECT 1 FROM ${this.t('rm_aefi_report_batch')} b WHERE b."reportId" = r."reportId" AND b."batchId" = $1) AND r.reported`,
      [batchId],
      limit,
    );
  }

  signals(filter: { batchId?: string } = {}): Promise<AefiSignalRow[]> {
    return this.dataSource.getRepository(AefiSignalRow).find({
      where: filter.batchId ? { batchId: filter.batchId } : {},
      order: { position: 'ASC' },
    });
  }

  signal(signalId: string): Promise<AefiSignalRow | null> {
    return this.dataSource.getRepository(AefiSignalRow).findOneBy({ signalId });
  }
}
