import type { ReadModels } from '../read-models';
import { likeTerm, listTable, type Page, pagedQuery, type PageRequest, sqlOrder } from './list-queries';
import { SqlParams } from './list-scope';

// ---------------------------------------------------------------------------------------------
// Master data: organisations and products (every business role reads all of it)

export const ORGANISATION_SORTS = ['orgCode', 'name', 'kind', 'provinceCode'] as const;
export type OrganisationSort = (typeof ORGANISATION_SORTS)[number];

export interface OrganisationFilter {
  readonly kind?: string;
  /** A region: `510000` matches the whole province, `510100` the city, `510104` the county. */
  readonly provinceCode?: string;
  /** Part of the name or of the organisation code, any case. */
  readonly q?: string;
  /** The supervising organisation (a CDC: the clinics it supervises, in any province). */
  readonly parentOrgCode?: string;
  /** Supervised by this organisation directly or through up to four levels between (as access checks follow it). */
  readonly supervisedBy?: string;
}

export interface OrganisationItem {
  readonly orgCode: string;
  readonly name: string;
  readonly kind: string;
  readonly provinceCode: string;
  readonly parentOrgCode: string | null;
}

/** How many leading digits of a GB/T 2260 code name the region: 2 (province), 4 (city) or 6. */
const regionDigits = (code: string): number => (code.endsWith('0000') ? 2 : code.endsWith('00') ? 4 : 6);

export const listOrganisations = (
  models: ReadModels,
  filter: OrganisationFilter,
  request: PageRequest<OrganisationSort>,
): Promise<Page<OrganisationItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const where: string[] = [];
  if (filter.kind !== undefined) where.push(`o.kind = ${params.add(filter.kind)}`);
  if (filter.provinceCode !== undefined) {
    const digits = regionDigits(filter.provinceCode);
    where.push(`left(o."provinceCode", ${digits}) = ${params.add(filter.provinceCode.slice(0, digits))}`);
  }
  if (filter.q !== undefined) {
    const term = params.add(likeTerm(filter.q));
    where.push(`(o.name ILIKE ${term} OR o."orgCode" ILIKE ${term})`);
  }
  if (filter.parentOrgCode !== undefined) where.push(`o."parentOrgCode" = ${params.add(filter.parentOrgCode)}`);
  if (filter.supervisedBy !== undefined)
    where.push(`o."orgCode" IN (
      WITH RECURSIVE below(code, depth) AS (
        SELECT c."orgCode", 1 FROM ${t('rm_organisation')} c WHERE c."parentOrgCode" = ${params.add(filter.supervisedBy)}
        UNION
        SELECT c."orgCode", b.depth + 1 FROM ${t('rm_organisation')} c JOIN below b ON c."parentOrgCode" = b.code WHERE b.depth < 5)
      SELECT code FROM below)`);
  return pagedQuery(
    models,
    `${t('rm_organisation')} o`,
    where,
    params,
    `o."orgCode", o.name, o.kind, o."provinceCode", o."parentOrgCode"`,
    `o."${request.sort}" ${sqlOrder(request.order)}, o."orgCode" ${sqlOrder(request.order)}`,
    request,
    (r) => ({
      orgCode: String(r.orgCode),
      name: String(r.name),
      kind: String(r.kind),
      provinceCode: String(r.provinceCode),
      parentOrgCode: (r.parentOrgCode as string | null) ?? null,
    }),
  );
};

export const PRODUCT_SORTS = ['productCode', 'name', 'vaccineType', 'mahOrgCode'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductFilter {
  readonly mahOrgCode?: string;
  readonly vaccineType?: string;
  /** Part of the name, product code or approval number, any case. */
  readonly q?: string;
}

export interface ProductItem {
  readonly productCode: string;
  readonly name: string;
  readonly vaccineType: string;
  readonly mahOrgCode: string;
  readonly approvalNo: string;
  readonly dosesPerUnit: number;
  readonly programme: string;
  readonly serialised: boolean;
  readonly storageC: { min: number; max: number };
  readonly shelfLifeMonths: number;
}

export const listProducts = (models: ReadModels, filter: ProductFilter, request: PageRequest<ProductSort>): Promise<Page<ProductItem>> => {
  const t = listTable(models);
  const params = new SqlParams();
  const where: string[] = [];
  if (filter.mahOrgCode !== undefined) where.push(`p."mahOrgCode" = ${params.add(filter.mahOrgCode)}`);
  if (filter.vaccineType !== undefined) where.push(`p."vaccineType" = ${params.add(filter.vaccineType)}`);
  if (filter.q !== undefined) {
    const term = params.add(likeTerm(filter.q));
    where.push(`(p.name ILIKE ${term} OR p."productCode" ILIKE ${term} OR p."approvalNo" ILIKE ${term})`);
  }
  return pagedQuery(
    models,
    `${t('rm_product')} p`,
    where,
    params,
    `p."productCode", p.name, p."vaccineType", p."mahOrgCode", p."approvalNo", p."dosesPerUnit", p.programme, p.serialised,
     p."storageMin", p."storageMax", p."shelfLifeMonths"`,
    `p."${request.sort}" ${sqlOrder(request.order)}, p."productCode" ${sqlOrder(request.order)}`,
    request,
    (r) => ({
      productCode: String(r.productCode),
      name: String(r.name),
      vaccineType: String(r.vaccineType),
      mahOrgCode: String(r.mahOrgCode),
      approvalNo: String(r.approvalNo),
      dosesPerUnit: Number(r.dosesPerUnit),
      programme: String(r.programme),
      serialised: Boolean(r.serialised),
      storageC: { min: Number(r.storageMin), max: Number(r.storageMax) },
      shelfLifeMonths: Number(r.shelfLifeMonths),
    }),
  );
};
