import { type Page, type PageRequest, sqlOrder } from '../queries/list-queries';
import { SqlParams } from '../queries/list-scope';
import type { ReadModels } from '../read-models';
import { AefiReportRow } from './aefi.entities';
import { aefiProvinceFilter, type ProvinceFilter } from './aefi.queries';

/** How a page of the AEFI queue may be sorted; by deadline by default (the clock that runs out first). */
export const AEFI_QUEUE_SORTS = ['deadlineAt', 'discoveredAt', 'onsetAt', 'reportId'] as const;
export type AefiQueueSort = (typeof AEFI_QUEUE_SORTS)[number];

/** Which part of the queue: every report awaiting acknowledgement, or those whose deadline passed at `overdueAt`. */
export interface AefiQueueSelection {
  readonly overdueAt?: Date;
}

/** A page of the queue, with how many of all its reports are overdue (for the count beside it). */
export type AefiQueuePage = Page<AefiReportRow> & { readonly overdue: number };

/**
 * One page of the reports awaiting acknowledgement within `provinces` (or only those overdue at
 * `selection.overdueAt`), sorted in SQL and always ending on the report id, so pages neither
 * overlap nor skip; `overdue` counts the overdue ones at `now` among all that match.
 */
export const listAefiQueue = async (
  models: ReadModels,
  selection: AefiQueueSelection,
  provinces: ProvinceFilter,
  request: PageRequest<AefiQueueSort>,
  now: Date,
): Promise<AefiQueuePage> => {
  const table = `"${models.schema}"."rm_aefi_report"`;
  const params = new SqlParams();
  const where = ['r.reported', 'r."acknowledgedAt" IS NULL', aefiProvinceFilter(params.add(provinces))];
  if (selection.overdueAt) where.push(`r."deadlineAt" < ${params.add(selection.overdueAt)}`);
  // `now` is the count's own last parameter: the page's statement does not take it.
  const counted: { total: string; overdue: string }[] = await models.dataSource.query(
    `SELECT count(*)::text AS total, count(*) FILTER (WHERE r."deadlineAt" < $${params.values.length + 1}::timestamptz)::text AS overdue
       FROM ${table} r WHERE ${where.join(' AND ')}`,
    [...params.values, now],
  );
  const keys: Record<AefiQueueSort, string> = {
    deadlineAt: 'r."deadlineAt"',
    discoveredAt: 'r."discoveredAt"::timestamptz',
    onsetAt: 'r."onsetAt"::timestamptz',
    reportId: 'r."reportId"',
  };
  const order = sqlOrder(request.order);
  const limit = params.add(request.pageSize);
  const offset = params.add((request.page - 1) * request.pageSize);
  const ids: { reportId: string }[] = await models.dataSource.query(
    `SELECT r."reportId" FROM ${table} r WHERE ${where.join(' AND ')}
      ORDER BY ${keys[request.sort]} ${order}, r."reportId" ${order} LIMIT ${limit} OFFSET ${offset}`,
    params.values,
  );
  const found =
    ids.length === 0
      ? []
      : await models.dataSource
          .getRepository(AefiReportRow)
          .createQueryBuilder('r')
          .where('r."reportId" = ANY(:ids)', { ids: ids.map((r) => r.reportId) })
          .getMany();
  const byId = new Map(found.map((r) => [r.reportId, r]));
  return {
    items: ids.flatMap((r) => byId.get(r.reportId) ?? []),
    page: request.page,
    pageSize: request.pageSize,
    total: Number(counted[0]?.total ?? 0),
    overdue: Number(counted[0]?.overdue ?? 0),
  };
};
