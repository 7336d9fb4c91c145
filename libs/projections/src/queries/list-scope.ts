/**
 * SQL for "which rows may this caller see" in the list queries. The rules themselves live in
 * apps/api/src/auth/policy.ts (listScope…): they hand over a ListScope, a union of grants;
 * this file only turns it into predicates, so a list pages and counts inside the caller's
 * view instead of filtering a page after the fact.
 */

/** What a caller may see, as a union: a row is visible when any grant holds. No grant: nothing. */
export interface ListScope {
  /** Everything (national callers). */
  readonly all?: boolean;
  /** Sites that are the caller's own: the organisation, its points `{org}-{suffix}`, its site code. */
  readonly ownSites?: { readonly orgCode: string; readonly siteCode?: string };
  /** A province (GB/T 2260 code; the first two digits count). */
  readonly province?: string;
  /** Sites whose chain of supervising CDCs (at most five levels) holds this organisation. */
  readonly supervisedBy?: string;
  /** Batches whose marketing authorisation holder is this organisation. */
  readonly mahOrgCode?: string;
  /** Recalls this organisation issued. */
  readonly issuerOrgCode?: string;
}

/** Positional parameters of one statement: `add` returns the placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const or = (parts: readonly string[]): string => (parts.length === 0 ? 'FALSE' : `(${parts.join(' OR ')})`);

/** The first two digits of a site's province: its registered organisation's, else its code's region. */
const provincePrefixOf = (t: (name: string) => string, site: string): string =>
  `left(coalesce((SELECT o."provinceCode" FROM ${t('rm_organisation')} o WHERE o."orgCode" = left(${site}, 18)),
                 CASE WHEN ${site} ~ '^[0-9A-Z]{2}[0-9]{6}' THEN substr(${site}, 3, 2) END), 2)`;

/** Site grants only (ownSites, province, supervisedBy); `site` is an SQL expression. */
export const siteVisible = (t: (name: string) => string, scope: ListScope, params: SqlParams, site: string): string => {
  if (scope.all) return 'TRUE';
  const parts: string[] = [];
  if (scope.ownSites) {
    const org = params.add(scope.ownSites.orgCode);
    const own = [`${site} = ${org}`, `left(${site}, length(${org}) + 1) = ${org} || '-'`];
    if (scope.ownSites.siteCode) own.push(`${site} = ${params.add(scope.ownSites.siteCode)}`);
    parts.push(...own);
  }
  if (scope.province) parts.push(`${provincePrefixOf(t, site)} = left(${params.add(scope.province)}, 2)`);
  if (scope.supervisedBy) {
    const cdc = params.add(scope.supervisedBy);
    parts.push(`left(${site}, 18) IN (
      WITH RECURSIVE supervised("orgCode", depth) AS (
        SELECT o."orgCode", 1 FROM ${t('rm_organisation')} o WHERE o."parentOrgCode" = ${cdc}
        UNION SELECT o."orgCode", s.depth + 1 FROM ${t('rm_organisation')} o JOIN supervised s ON o."parentOrgCode" = s."orgCode"
         WHERE s.depth < 5)
      SELECT "orgCode" FROM supervised)`);
  }
  return or(parts);
};

/** Every site that dispatched, received, holds or dosed from the batch `batchId` (an SQL expression). */
const batchSites = (t: (name: string) => string, batchId: string): string => `(
  SELECT c."fromSite" AS site FROM ${t('rm_custody')} c WHERE c."batchId" = ${batchId} AND c."fromSite" IS NOT NULL
  UNION ALL SELECT c."toSite" FROM ${t('rm_custody')} c WHERE c."batchId" = ${batchId} AND c."toSite" IS NOT NULL
  UNION ALL SELECT s.site FROM ${t('rm_stock')} s WHERE s."batchId" = ${batchId}
  UNION ALL SELECT d."siteCode" FROM ${t('rm_batch_site_doses')} d WHERE d."batchId" = ${batchId})`;

/**
 * A batch row `b` is visible: by its holder (mahOrgCode), by having been at one of the
 * caller's own sites, or by having touched the caller's province (produced or been there).
 */
export const batchVisible = (t: (name: string) => string, scope: ListScope, params: SqlParams, b: string): string => {
  if (scope.all) return 'TRUE';
  const parts: string[] = [];
  if (scope.mahOrgCode) parts.push(`${b}."mahOrgCode" = ${params.add(scope.mahOrgCode)}`);
  if (scope.ownSites) {
    const own = siteVisible(t, { ownSites: scope.ownSites }, params, 'x.site');
    parts.push(`EXISTS (SELECT 1 FROM ${batchSites(t, `${b}."batchId"`)} x WHERE ${own})`);
  }
  if (scope.province) {
    const province = { province: scope.province };
    parts.push(siteVisible(t, province, params, `${b}."mahOrgCode"`));
    parts.push(`EXISTS (SELECT 1 FROM ${batchSites(t, `${b}."batchId"`)} x WHERE ${siteVisible(t, province, params, 'x.site')})`);
  }
  return or(parts);
};
