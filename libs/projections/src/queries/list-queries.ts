import type { ReadModels } from '../read-models';
import { batchVisible, type ListScope, siteVisible, SqlParams } from './list-scope';

/**
 * Paged list and search queries over the read models (read-only). Each takes the filters,
 * the caller's ListScope and a page, and answers the page's items and the total that match.
 * Sorting always ends on the primary key, so pages never overlap or skip a row.
 */

export interface PageRequest<S extends string = string> {
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  readonly sort: S;
  readonly order: 'asc' | 'desc';
}

export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

/** `%`, `_` and `\` stand for themselves in a search term. */
export const likeTerm = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const listTable =
  (models: ReadModels) =>
  (name: string): string =>
    `"${models.schema}"."${name}"`;

export const pagedQuery = async <T>(
  models: ReadModels,
  from: string,
  where: readonly string[],
  params: SqlParams,
  select: string,
  orderBy: string,
  request: PageRequest,
  map: (row: Record<string, unknown>) => T,
): Promise<Page<T>> => {
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const counted: { n: string }[] = await models.dataSource.query(`SELECT count(*)::text AS n FROM ${from} ${clause}`, params.values);
  const limit = params.add(request.pageSize);
  const offset = params.add((request.page - 1) * request.pageSize);
  const rows: Record<string, unknown>[] = await models.dataSource.query(
    `SELECT ${select} FROM ${from} ${clause} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`,
    params.values,
  );
  return { items: rows.map(map), page: request.page, pageSize: request.pageSize, total: Number(counted[0]?.n ?? 0) };
};

export const sqlOrder = (order: 'asc' | 'desc'): string => (order === 'desc' ? 'DESC NULLS LAST' : 'ASC NULLS LAST');

// ---------------------------------------------------------------------------------------------
// Shipments

export const SHIPMENT_SORTS = ['dispatchedAt', 'receivedAt', 'deliveryNoteNo', 'shipmentId'] as const;
export type ShipmentSort = (typeof SHIPMENT_SORTS)[number];

export interface ShipmentFilter {
  /** A site at either end (or, with `direction`, at one end). */
  readonly site?: string;
  /** `in`: shipments to `site`; `out`: from it. */
  readonly direction?: 'in' | 'out';
  readonly status?: 'in_transit' | 'received';
  /** Part of the delivery note's number, any case. */
  readonly deliveryNoteNo?: string;
  readonly batchId?: string;
}

export interface ShipmentItem {
  readonly shipmentId: string;
  readonly fromSite: string;
  readonly toSite: string;
  readonly dispatchedAt: string;
  readonly receivedAt: string | null;
  readonly status: 'in_transit' | 'received';
  readonly deliveryNoteNo: string | null;
  readonly lines: { batchId: string; quantity: number }[];
}

/** Shipments the caller may see: one of its two ends is a site the scope reaches. */
export const listShipments = (
  models: ReadModels,
  filter: ShipmentFilter,
  scope: ListScope,
  request: PageRequest<ShipmentSort>,
): Promise<Page<ShipmentItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const where = [`(${siteVisible(t, scope, params, 's."fromSite"')} OR ${siteVisible(t, scope, params, 's."toSite"')})`];
  if (filter.site !== undefined) {
    const site = params.add(filter.site);
    if (filter.direction === 'in') where.push(`s."toSite" = ${site}`);
    else if (filter.direction === 'out') where.push(`s."fromSite" = ${site}`);
    else where.push(`(s."toSite" = ${site} OR s."fromSite" = ${site})`);
  }
  if (filter.status) where.push(filter.status === 'received' ? 's.received' : 'NOT s.received');
  // Part of the number, any case: a clinic types what it reads off the paper note ("00042").
  if (filter.deliveryNoteNo !== undefined) where.push(`s."deliveryNoteNo" ILIKE ${params.add(likeTerm(filter.deliveryNoteNo))}`);
  if (filter.batchId !== undefined) where.push(`s.lines @> ${params.add(JSON.stringify([{ batchId: filter.batchId }]))}::jsonb`);
  const keys: Record<ShipmentSort, string> = {
    dispatchedAt: `s."dispatchedAt"::timestamptz`,
    receivedAt: `(s.receipt->>'receivedAt')::timestamptz`,
    deliveryNoteNo: 's."deliveryNoteNo"',
    shipmentId: 's."shipmentId"',
  };
  return pagedQuery(
    models,
    `${t('rm_shipment')} s`,
    where,
    params,
    `s."shipmentId", s."fromSite", s."toSite", s."dispatchedAt", s.receipt->>'receivedAt' AS "receivedAt", s.received,
     s."deliveryNoteNo", s.lines`,
    `${keys[request.sort]} ${sqlOrder(request.order)}, s."shipmentId" ${sqlOrder(request.order)}`,
    request,
    (r) => ({
      shipmentId: String(r.shipmentId),
      fromSite: String(r.fromSite),
      toSite: String(r.toSite),
      dispatchedAt: String(r.dispatchedAt),
      receivedAt: (r.receivedAt as string | null) ?? null,
      status: r.received ? 'received' : 'in_transit',
      deliveryNoteNo: (r.deliveryNoteNo as string | null) ?? null,
      lines: (r.lines as { batchId: string; quantity: number }[]).map(({ batchId, quantity }) => ({ batchId, quantity })),
    }),
  );
};

// ---------------------------------------------------------------------------------------------
// Batches

export const BATCH_SORTS = ['batchId', 'productCode', 'lotNumber', 'producedOn', 'expiresOn'] as const;
export type BatchSort = (typeof BATCH_SORTS)[number];
export const BATCH_STATUSES = ['awaiting_release', 'released', 'release_refused', 'suspended', 'recalled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface BatchFilter {
  readonly productCode?: string;
  readonly lotNumber?: string;
  readonly status?: BatchStatus;
  /** Part of the batch id (product code or lot number), any case. */
  readonly q?: string;
}

export interface BatchItem {
  readonly batchId: string;
  readonly productCode: string;
  readonly lotNumber: string;
  readonly producedOn: string;
  readonly expiresOn: string;
  readonly quantity: number;
  readonly status: BatchStatus;
  readonly releasedOn: string | null;
}

/** The same status the batch trace shows: a recall wins over a suspension over the release decision. */
const BATCH_STATUS_SQL = `CASE WHEN b.recalled THEN 'recalled' WHEN b.suspended THEN 'suspended'
  WHEN b."releaseState" = 'refused' THEN 'release_refused' WHEN b."releaseState" = 'released' THEN 'released'
  ELSE 'awaiting_release' END`;

export const listBatches = (
  models: ReadModels,
  filter: BatchFilter,
  scope: ListScope,
  request: PageRequest<BatchSort>,
): Promise<Page<BatchItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const where = [batchVisible(t, scope, params, 'b')];
  if (filter.productCode !== undefined) where.push(`b."productCode" = ${params.add(filter.productCode)}`);
  if (filter.lotNumber !== undefined) where.push(`b."lotNumber" = ${params.add(filter.lotNumber)}`);
  if (filter.status !== undefined) where.push(`${BATCH_STATUS_SQL} = ${params.add(filter.status)}`);
  if (filter.q !== undefined) where.push(`b."batchId" ILIKE ${params.add(likeTerm(filter.q))}`);
  return pagedQuery(
    models,
    `${t('rm_batch')} b`,
    where,
    params,
    `b."batchId", b."productCode", b."lotNumber", b."producedOn"::text AS "producedOn", b."expiresOn"::text AS "expiresOn",
     b.quantity, ${BATCH_STATUS_SQL} AS status,
     CASE WHEN b."releaseState" = 'released' THEN b.release->>'decidedOn' END AS "releasedOn"`,
    `b."${request.sort}" ${sqlOrder(request.order)}, b."batchId" ${sqlOrder(request.order)}`,
    request,
    (r) => ({
      batchId: String(r.batchId),
      productCode: String(r.productCode),
      lotNumber: String(r.lotNumber),
      producedOn: String(r.producedOn),
      expiresOn: String(r.expiresOn),
      quantity: Number(r.quantity),
      status: r.status as BatchStatus,
      releasedOn: (r.releasedOn as string | null) ?? null,
    }),
  );
};

// ---------------------------------------------------------------------------------------------
// Recalls

export const RECALL_SORTS = ['recallId', 'effectiveAt', 'level'] as const;
export type RecallSort = (typeof RECALL_SORTS)[number];

export interface RecallFilter {
  readonly batchId?: string;
  readonly status?: 'active' | 'lifted';
}

export interface RecallItem {
  readonly recallId: string;
  readonly batchIds: string[];
  readonly kind: string;
  readonly level: number;
  readonly reasonCode: string | null;
  readonly effectiveAt: string | null;
  readonly issuerOrgCode: string | null;
  readonly status: 'active' | 'lifted';
}

/** Recalls the caller issued, or that name a batch it may see. */
export const listRecalls = (
  models: ReadModels,
  filter: RecallFilter,
  scope: ListScope,
  request: PageRequest<RecallSort>,
): Promise<Page<RecallItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const visible = [`EXISTS (SELECT 1 FROM ${t('rm_batch')} b WHERE r."batchIds" ? b."batchId" AND ${batchVisible(t, scope, params, 'b')})`];
  if (scope.all) visible.push('TRUE');
  if (scope.issuerOrgCode) visible.push(`r.details->>'issuerOrgCode' = ${params.add(scope.issuerOrgCode)}`);
  const where = [`(${visible.join(' OR ')})`];
  if (filter.batchId !== undefined) where.push(`r."batchIds" ? ${params.add(filter.batchId)}`);
  if (filter.status !== undefined) where.push(filter.status === 'lifted' ? 'r.lifted' : 'NOT r.lifted');
  const keys: Record<RecallSort, string> = {
    recallId: 'r."recallId"',
    effectiveAt: `(r.details->>'effectiveAt')::timestamptz`,
    level: 'r.level',
  };
  return pagedQuery(
    models,
    `${t('rm_recall')} r`,
    where,
    params,
    `r."recallId", r."batchIds", r.kind, r.level, r.details->>'reasonCode' AS "reasonCode",
     r.details->>'effectiveAt' AS "effectiveAt", r.details->>'issuerOrgCode' AS "issuerOrgCode", r.lifted`,
    `${keys[request.sort]} ${sqlOrder(request.order)}, r."recallId" ${sqlOrder(request.order)}`,
    request,
    (r) => ({
      recallId: String(r.recallId),
      batchIds: r.batchIds as string[],
      kind: String(r.kind),
      level: Number(r.level),
      reasonCode: (r.reasonCode as string | null) ?? null,
      effectiveAt: (r.effectiveAt as string | null) ?? null,
      issuerOrgCode: (r.issuerOrgCode as string | null) ?? null,
      status: r.lifted ? 'lifted' : 'active',
    }),
  );
};
