import type { Actor } from '@vaxledger/domain';
import { OrganisationRow, type ReadModels } from '@vaxledger/projections';
import { In } from 'typeorm';
import { ApiError } from '../http/problem';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { type BatchScope, canSeeImpactRow, type Decision, isNational, provinceOfOrgCode, siteOf, type SiteScope } from './policy';

/**
 * The I/O half of authorisation: loads the facts policy.ts decides on from the read models
 * and turns a decision into the right problem. Controllers call `enforce(decision)` with a
 * policy function's answer; nothing here decides anything.
 */

/** What an unknown resource answers; a hidden one must answer the same, code and text. */
export type Hidden = string | (() => Error);

/** 403 or 404 for a refusal; the 404 reads exactly like an unknown resource's. */
export const enforce = (decision: Decision, hidden: Hidden = 'no such resource'): void => {
  if (decision === 'allow') return;
  if (decision === 'forbidden') throw new ApiError('FORBIDDEN', 'not allowed for this caller or jurisdiction');
  throw typeof hidden === 'string' ? new ApiError('NOT_FOUND', hidden) : hidden();
};

/**
 * The provinces of sites, with one query (a recall can touch hundreds): each site's registered
 * organisation's province, else the region in its code.
 */
export const provincesOfSites = async (models: ReadModels, sites: readonly string[]): Promise<Map<string, string | null>> => {
  const unique = [...new Set(sites)];
  const orgCodes = [...new Set(unique.map((s) => s.slice(0, 18)))];
  const rows = orgCodes.length === 0 ? [] : await models.dataSource.getRepository(OrganisationRow).findBy({ orgCode: In(orgCodes) });
  const registered = new Map(rows.map((r) => [r.orgCode, r.provinceCode]));
  return new Map(unique.map((s) => [s, registered.get(s.slice(0, 18)) ?? provinceOfOrgCode(s.slice(0, 18))]));
};

/** Where a site sits and which CDCs supervise it (parent chain, at most five levels). */
export const siteScope = async (models: ReadModels, site: string): Promise<SiteScope> => {
  const supervisors: string[] = [];
  const own = await models.organisation(site.slice(0, 18));
  let parent = own?.parentOrgCode ?? null;
  while (parent && supervisors.length < 5 && !supervisors.includes(parent)) {
    supervisors.push(parent);
    parent = (await models.organisation(parent))?.parentOrgCode ?? null;
  }
  return { site, province: own?.provinceCode ?? provinceOfOrgCode(site.slice(0, 18)), supervisors };
};

/** Where a batch has been; null for an unknown batch. */
export const batchScope = async (models: ReadModels, batchId: string): Promise<BatchScope | null> => {
  const batch = await models.batch(batchId);
  if (!batch) return null;
  const [custody, stock, doses] = await Promise.all([models.custody(batchId), models.stockOfBatch(batchId), models.dosesBySite(batchId)]);
  const sites = new Set<string>();
  for (const c of custody) {
    if (c.fromSite) sites.add(c.fromSite);
    if (c.toSite) sites.add(c.toSite);
  }
  for (const s of stock) sites.add(s.site);
  for (const d of doses) sites.add(d.siteCode);
  const siteList = [...sites];
  const provinces = await provincesOfSites(models, [batch.mahOrgCode, ...siteList]);
  return {
    mahOrgCode: batch.mahOrgCode,
    producerProvince: provinces.get(batch.mahOrgCode) ?? null,
    sites: siteList,
    siteProvinces: siteList.map((s) => provinces.get(s) ?? null).filter((p): p is string => p !== null),
  };
};

/** Loads a batch's scope and enforces a rule on it; an unknown batch is the same 404. */
export const requireBatch = async (
  runtime: NodeRuntime,
  actor: Actor,
  batchId: string,
  rule: (actor: Actor, batch: BatchScope) => Decision,
  hidden: Hidden = `no batch ${batchId}`,
): Promise<BatchScope> => {
  const scope = await batchScope(runtime.readModels, batchId);
  enforce(scope ? rule(actor, scope) : 'not_found', hidden);
  return scope!;
};

/** Every named batch must be visible under the rule; a hidden one answers like an unknown one. */
export const requireBatches = async (
  runtime: NodeRuntime,
  actor: Actor,
  batchIds: readonly string[],
  rule: (actor: Actor, batches: readonly (BatchScope | null)[]) => Decision,
  hidden: (batchId: string) => Error,
): Promise<void> => {
  const scopes = await Promise.all(batchIds.map((id) => batchScope(runtime.readModels, id)));
  batchIds.forEach((batchId, i) => enforce(rule(actor, [scopes[i] ?? null]), () => hidden(batchId)));
};

/** A recall's issuer and the scopes of its batches, for canSeeRecall and canLiftRecall. */
export const recallScope = async (
  models: ReadModels,
  recall: { batchIds: readonly string[]; details: Record<string, unknown> },
): Promise<{ issuerOrgCode: string | null; batches: (BatchScope | null)[] }> => ({
  issuerOrgCode: typeof recall.details.issuerOrgCode === 'string' ? recall.details.issuerOrgCode : null,
  batches: await Promise.all(recall.batchIds.map((id) => batchScope(models, id))),
});

/** Which sites' rows of a recall impact the caller sees (a provincial caller: its province's). */
export const impactRowFilter = async (models: ReadModels, actor: Actor, sites: readonly string[]): Promise<(site: string) => boolean> => {
  if (isNational(actor)) return () => true;
  const provinces = await provincesOfSites(models, sites);
  return (site) => canSeeImpactRow(actor, provinces.get(site) ?? null);
};

/** What canReadPersonRecord needs: the caller's grant and where the person was dosed. */
export const personScope = async (
  runtime: NodeRuntime,
  actor: Actor,
  personId: string,
): Promise<{ hasGrant: boolean; doseSites: SiteScope[] }> => {
  const hasGrant = await runtime.auth.hasPersonGrant(siteOf(actor), personId);
  if (hasGrant || actor.role !== 'cdc') return { hasGrant, doseSites: [] };
  const sites = [...new Set((await runtime.readModels.doses(personId)).map((d) => d.siteCode))];
  return { hasGrant, doseSites: await Promise.all(sites.map((s) => siteScope(runtime.readModels, s))) };
};
