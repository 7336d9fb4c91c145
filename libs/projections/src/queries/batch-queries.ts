import type { ReadModels } from '../read-models';
import { listTable, type Page, pagedQuery, type PageRequest, sqlOrder } from './list-queries';
import { type ListScope, siteVisible, SqlParams } from './list-scope';

/**
 * Paged lists of one batch that grow with its use: its custody chain, and within a recall
 * impact the people dosed from it, the sites that dosed them and the sites still holding it.
 * The caller has already been allowed to see the batch (or its impact); `scope` narrows the
 * impact's rows to the caller's jurisdiction, as the unpaged impact does.
 */

export const CUSTODY_SORTS = ['position'] as const;
export type CustodySort = (typeof CUSTODY_SORTS)[number];

export interface CustodyItem {
  readonly type: string;
  readonly at: string;
  readonly fromSite?: string;
  readonly toSite?: string;
  readonly quantity: number;
  readonly eventId: string;
}

/** The batch's custody steps in log order (`desc`: newest first). */
export const listCustody = (models: ReadModels, batchId: string, request: PageRequest<CustodySort>): Promise<Page<CustodyItem>> => {
  const params = new SqlParams();
  const order = sqlOrder(request.order);
  return pagedQuery(
    models,
    `${listTable(models)('rm_custody')} c`,
    [`c."batchId" = ${params.add(batchId)}`],
    params,
    'c."eventId", c.type, c.at, c."fromSite", c."toSite", c.quantity',
    `c.position ${order}, c."eventId" ${order}`,
    request,
    (r) => ({
      type: String(r.type),
      at: String(r.at),
      ...(r.fromSite ? { fromSite: String(r.fromSite) } : {}),
      ...(r.toSite ? { toSite: String(r.toSite) } : {}),
      quantity: Number(r.quantity),
      eventId: String(r.eventId),
    }),
  );
};

export const RECIPIENT_SORTS = ['administeredAt', 'siteCode'] as const;
export type RecipientSort = (typeof RECIPIENT_SORTS)[number];

export interface RecipientItem {
  readonly personId: string;
  readonly siteCode: string;
  readonly administeredAt: string;
  readonly originProvince: string;
}

/** A page of the batch's doses with their person, and how many distinct people they are in all. */
export type RecipientPage = Page<RecipientItem> & { readonly persons: number };

/**
 * People dosed from the batch (pseudonymous ids), at sites within `scope`: one item per dose, so
 * a person given two doses of the batch appears twice; `persons` counts each person once.
 */
export const listRecipients = async (
  models: ReadModels,
  batchId: string,
  scope: ListScope,
  request: PageRequest<RecipientSort>,
): Promise<RecipientPage> => {
  const t = listTable(models);
  const params = new SqlParams();
  const keys: Record<RecipientSort, string> = { administeredAt: 'r."administeredAt"::timestamptz', siteCode: 'r."siteCode"' };
  const order = sqlOrder(request.order);
  const where = [`r."batchId" = ${params.add(batchId)}`, 'r.voided = false', siteVisible(t, scope, params, 'r."siteCode"')];
  const distinct: { n: string }[] = await models.dataSource.query(
    `SELECT count(DISTINCT r."personId")::text AS n FROM ${t('rm_recipient')} r WHERE ${where.join(' AND ')}`,
    params.values,
  );
  const page = await pagedQuery(
    models,
    `${t('rm_recipient')} r`,
    where,
    params,
    'r."personId", r."siteCode", r."administeredAt", r."originProvince"',
    `${keys[request.sort]} ${order}, r."eventId" ${order}`,
    request,
    (r) => ({
      personId: String(r.personId),
      siteCode: String(r.siteCode),
      administeredAt: String(r.administeredAt),
      originProvince: String(r.originProvince),
    }),
  );
  return { ...page, persons: Number(distinct[0]?.n ?? 0) };
};

export const RECIPIENT_SITE_SORTS = ['siteCode', 'provinceCode', 'persons', 'doses'] as const;
export type RecipientSiteSort = (typeof RECIPIENT_SITE_SORTS)[number];

export interface RecipientSiteItem {
  readonly siteCode: string;
  /** The site's registered province, else the region in its organisation code; null if neither. */
  readonly provinceCode: string | null;
  /** Distinct people: a person given two doses of the batch there counts once. */
  readonly persons: number;
  readonly doses: number;
}

/** How many people each site (within `scope`) dosed from the batch, and with how many doses. */
export const listRecipientSites = (
  models: ReadModels,
  batchId: string,
  scope: ListScope,
  request: PageRequest<RecipientSiteSort>,
): Promise<Page<RecipientSiteItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const where = [`r."batchId" = ${params.add(batchId)}`, 'r.voided = false', siteVisible(t, scope, params, 'r."siteCode"')];
  // One row per site: grouped first, so the shared pager counts and pages sites.
  const sites = `(SELECT r."siteCode", count(DISTINCT r."personId")::int AS persons, count(*)::int AS doses FROM ${t('rm_recipient')} r WHERE ${where.join(' AND ')}
                  GROUP BY r."siteCode") s`;
  const province = `coalesce((SELECT o."provinceCode" FROM ${t('rm_organisation')} o WHERE o."orgCode" = left(s."siteCode", 18)),
     CASE WHEN s."siteCode" ~ '^[0-9A-Z]{2}[0-9]{6}' THEN substr(s."siteCode", 3, 2) || '0000' END)`;
  const keys: Record<RecipientSiteSort, string> = {
    siteCode: 's."siteCode"',
    provinceCode: province,
    persons: 's.persons',
    doses: 's.doses',
  };
  const order = sqlOrder(request.order);
  return pagedQuery(
    models,
    sites,
    [],
    params,
    `s."siteCode", s.persons, s.doses, ${province} AS "provinceCode"`,
    `${keys[request.sort]} ${order}, s."siteCode" ${order}`,
    request,
    (r) => ({
      siteCode: String(r.siteCode),
      provinceCode: (r.provinceCode as string | null) ?? null,
      persons: Number(r.persons),
      doses: Number(r.doses),
    }),
  );
};

export const HOLDER_SORTS = ['site', 'available', 'quarantined'] as const;
export type HolderSort = (typeof HOLDER_SORTS)[number];

export interface HolderItem {
  readonly site: string;
  readonly available: number;
  readonly quarantined: number;
}

/** Sites (within `scope`) still holding units of the batch, available or quarantined. */
export const listHolders = (
  models: ReadModels,
  batchId: string,
  scope: ListScope,
  request: PageRequest<HolderSort>,
): Promise<Page<HolderItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const order = sqlOrder(request.order);
  return pagedQuery(
    models,
    `${t('rm_stock')} s`,
    [`s."batchId" = ${params.add(batchId)}`, 's.available + s.quarantined > 0', siteVisible(t, scope, params, 's.site')],
    params,
    's.site, s.available, s.quarantined',
    `s.${request.sort} ${order}, s.site ${order}`,
    request,
    (r) => ({ site: String(r.site), available: Number(r.available), quarantined: Number(r.quarantined) }),
  );
};

export const SITE_DOSE_SORTS = ['site', 'count'] as const;
export type SiteDoseSort = (typeof SITE_DOSE_SORTS)[number];

export interface SiteDoseItem {
  readonly site: string;
  readonly count: number;
}

/** How many doses each site gave from the batch (sites that gave none left out). */
export const listDosesBySite = (models: ReadModels, batchId: string, request: PageRequest<SiteDoseSort>): Promise<Page<SiteDoseItem>> => {
  const params = new SqlParams();
  const order = sqlOrder(request.order);
  const key = request.sort === 'count' ? 'd.count' : 'd."siteCode"';
  return pagedQuery(
    models,
    `${listTable(models)('rm_batch_site_doses')} d`,
    [`d."batchId" = ${params.add(batchId)}`, 'd.count <> 0'],
    params,
    'd."siteCode", d.count',
    `${key} ${order}, d."siteCode" ${order}`,
    request,
    (r) => ({ site: String(r.siteCode), count: Number(r.count) }),
  );
};
