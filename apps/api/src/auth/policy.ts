import { type Actor, parseOrgCode } from '@vaxledger/domain';

/**
 * Who may see and change what: every role and jurisdiction rule of the API in one place, as
 * pure functions over the caller and facts the controller loads (apps/api/src/auth/access.ts).
 * The role gate per endpoint is the @Roles decorator; these rules add the object and the
 * province. Each answers:
 *
 * - `allow`;
 * - `forbidden` (403) when the caller already knows the object exists (it named it in its
 *   own body, e.g. the province of an organisation it registers);
 * - `not_found` (404) when saying "forbidden" would confirm that a guessed id exists (BOLA):
 *   batches, shipments, doses, persons, sites, recalls and streams outside the caller's reach
 *   look exactly like unknown ones.
 *
 * Jurisdiction is by province (the first two digits of a GB/T 2260 code). A caller whose
 * province is `000000` (the national code, as the hub node's) acts for the whole country:
 * the national regulator (NMPA, NIFDC) or China CDC.
 */
export type Decision = 'allow' | 'forbidden' | 'not_found';

export const NATIONAL_PROVINCE = '000000';

export const isNational = (actor: Actor): boolean => actor.provinceCode === NATIONAL_PROVINCE;

/** `510104` and `510000` are both Sichuan. */
export const sameProvince = (a: string, b: string): boolean => a.length >= 2 && a.slice(0, 2) === b.slice(0, 2);

/** National callers reach everything; others any place of their own province. */
export const inJurisdiction = (actor: Actor, provinces: readonly (string | null)[]): boolean =>
  isNational(actor) || provinces.some((p) => p !== null && sameProvince(p, actor.provinceCode));

/** The site the caller acts as (a clinic's point of vaccination); its organisation otherwise. */
export const siteOf = (actor: Actor): string => actor.siteCode ?? actor.orgCode;

/** A site is the caller's when it is the caller's organisation or one of its points (`{org}-{suffix}`). */
export const isOwnSite = (actor: Actor, site: string): boolean =>
  site === actor.orgCode || site === actor.siteCode || site.startsWith(`${actor.orgCode}-`);

const allowIf = (ok: boolean, otherwise: Exclude<Decision, 'allow'> = 'not_found'): Decision => (ok ? 'allow' : otherwise);

/** What the ledger knows of where a batch has been, for scoping. */
export interface BatchScope {
  readonly mahOrgCode: string;
  /** The MAH's province: where the batch was produced. */
  readonly producerProvince: string | null;
  /** Every site that dispatched, received, holds or dosed from the batch. */
  readonly sites: readonly string[];
  /** The provinces of those sites. */
  readonly siteProvinces: readonly string[];
}

/** Where a site sits: its province and its chain of supervising CDCs (nearest first). */
export interface SiteScope {
  readonly site: string;
  readonly province: string | null;
  readonly supervisors: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Organisations, products, value sets: master data every business role may read.

/** Regulators and CDCs register organisations of their own province (national: any). */
export const canRegisterOrganisation = (actor: Actor, orgProvince: string): Decision =>
  allowIf((actor.role === 'regulator' || actor.role === 'cdc') && inJurisdiction(actor, [orgProvince]), 'forbidden');

// ---------------------------------------------------------------------------------------------
// Batches

/**
 * Seeing a batch (trace, recalls, trace codes): regulators within their province (produced,
 * held, shipped to or dosed there), the MAH its own batches, a CDC its province's batches and
 * any it held, a clinic only batches it held or dosed from.
 */
export const canSeeBatch = (actor: Actor, batch: BatchScope): Decision => {
  const touched = [batch.producerProvince, ...batch.siteProvinces];
  const held = batch.sites.some((s) => isOwnSite(actor, s));
  switch (actor.role) {
    case 'regulator':
      return allowIf(inJurisdiction(actor, touched));
    case 'manufacturer':
      return allowIf(batch.mahOrgCode === actor.orgCode);
    case 'cdc':
      return allowIf(held || inJurisdiction(actor, touched));
    case 'clinic':
      return allowIf(held);
    case 'hub':
    case 'healthcode':
      return 'forbidden';
  }
};

/** Recall impact (persons dosed, holders): regulators and CDCs whose province the batch touched. */
export const canSeeRecipients = (actor: Actor, batch: BatchScope): Decision =>
  actor.role === 'regulator' || actor.role === 'cdc'
    ? allowIf(inJurisdiction(actor, [batch.producerProvince, ...batch.siteProvinces]))
    : 'forbidden';

/** Within a visible recall impact, a provincial caller sees only rows of its own province. */
export const canSeeImpactRow = (actor: Actor, siteProvince: string | null): boolean => inJurisdiction(actor, [siteProvince]);

/**
 * Lot release is decided by the national authority, or by a provincial one for batches
 * produced in its province.
 */
export const canDecideRelease = (actor: Actor, batch: BatchScope): Decision => {
  if (actor.role !== 'regulator') return 'forbidden';
  if (inJurisdiction(actor, [batch.producerProvince])) return 'allow';
  return canSeeBatch(actor, batch) === 'allow' ? 'forbidden' : 'not_found';
};

/** A manufacturer produces batches of its own products only (products are public master data). */
export const canProduceBatch = (actor: Actor, product: { mahOrgCode: string } | null): Decision =>
  actor.role !== 'manufacturer' ? 'forbidden' : product === null ? 'allow' : allowIf(product.mahOrgCode === actor.orgCode, 'forbidden');

// ---------------------------------------------------------------------------------------------
// Recalls

/** Recalling names batches: each must be visible to the issuer (the MAH: its own; a regulator: its province). */
export const canRecall = (actor: Actor, batches: readonly (BatchScope | null)[]): Decision => {
  if (actor.role !== 'manufacturer' && actor.role !== 'regulator') return 'forbidden';
  // Unknown batches are the decider's to refuse (UNKNOWN_BATCH); hidden ones look the same.
  return batches.every((b) => b === null || canSeeBatch(actor, b) === 'allow') ? 'allow' : 'not_found';
};

/** A recall is visible to whoever can see one of its batches, and to its issuer. */
export const canSeeRecall = (actor: Actor, recall: { issuerOrgCode: string | null; batches: readonly (BatchScope | null)[] }): Decision => {
  if (actor.role === 'hub') return 'forbidden';
  if (recall.issuerOrgCode === actor.orgCode) return 'allow';
  return allowIf(recall.batches.some((b) => b !== null && canSeeBatch(actor, b) === 'allow'));
};

/** Lifting: a regulator that can see the recall (the national one, or one in whose province a batch went). */
export const canLiftRecall = (actor: Actor, recall: { issuerOrgCode: string | null; batches: readonly (BatchScope | null)[] }): Decision =>
  actor.role !== 'regulator' ? 'forbidden' : canSeeRecall(actor, recall);

// ---------------------------------------------------------------------------------------------
// Sites: shipments, destructions, inventory

/** Only the receiving site books a receipt; other callers cannot tell the shipment exists. */
export const canReceive = (actor: Actor, shipment: { toSite: string } | null): Decision =>
  // A receipt whose dispatch has not synced yet is kept and quarantined (DOMAIN.md §3).
  shipment === null ? 'allow' : allowIf(isOwnSite(actor, shipment.toSite));

/** A site's stock: the site itself, a supervising CDC, a regulator of its province. */
export const canSeeInventory = (actor: Actor, site: SiteScope): Decision => {
  if (isOwnSite(actor, site.site)) return actor.role === 'hub' ? 'forbidden' : 'allow';
  switch (actor.role) {
    case 'cdc':
      return allowIf(site.supervisors.includes(actor.orgCode) || (isNational(actor) && site.province !== null));
    case 'regulator':
      return allowIf(site.province !== null && inJurisdiction(actor, [site.province]));
    case 'manufacturer':
    case 'clinic':
      return 'not_found';
    case 'hub':
    case 'healthcode':
      return 'forbidden';
  }
};

/** A unit's whereabouts: its holder, or whoever may see its batch. */
export const canSeeTraceCode = (actor: Actor, unit: { holderSite: string | null; batch: BatchScope | null }): Decision => {
  if (actor.role === 'hub') return 'forbidden';
  if (unit.holderSite !== null && isOwnSite(actor, unit.holderSite)) return 'allow';
  return unit.batch ? canSeeBatch(actor, unit.batch) : 'not_found';
};

// ---------------------------------------------------------------------------------------------
// Doses and persons

/** Voiding a dose: the clinic that gave it, or a CDC supervising that clinic. */
export const canVoidDose = (actor: Actor, doseSite: SiteScope): Decision => {
  if (actor.role === 'clinic') return allowIf(isOwnSite(actor, doseSite.site));
  if (actor.role === 'cdc') return allowIf(doseSite.supervisors.includes(actor.orgCode));
  return 'forbidden';
};

/**
 * A person's record is read by a clinic or CDC that has the person in front of it: it looked
 * the person up by ID document (or recorded a dose from it) a short while ago. A CDC may also
 * read the records of persons dosed at sites it supervises or in its province (AEFI follow-up,
 * corrections, recall notices). There is no listing; without one of these the record does
 * not exist for the caller.
 */
export const canReadPersonRecord = (actor: Actor, person: { hasGrant: boolean; doseSites: readonly SiteScope[] }): Decision => {
  if (actor.role === 'clinic') return allowIf(person.hasGrant);
  if (actor.role !== 'cdc') return 'forbidden';
  return allowIf(
    person.hasGrant ||
      person.doseSites.some((s) => s.supervisors.includes(actor.orgCode) || (s.province !== null && inJurisdiction(actor, [s.province]))),
  );
};

/**
 * Erasing a person's details (crypto-shredding) is a CDC's act for persons of its province:
 * this node's person streams belong to the node's province.
 */
export const canErasePersonDetails = (actor: Actor, nodeProvince: string): Decision =>
  actor.role === 'cdc' ? allowIf(inJurisdiction(actor, [nodeProvince])) : 'forbidden';

/** How long a lookup by ID lets the caller read that person's record. */
export const PERSON_GRANT_TTL_MS = 15 * 60_000;

// ---------------------------------------------------------------------------------------------
// Raw log

/** A valid USCC exactly as written (no spaces, hyphens or lower case to normalise away). */
export const isCanonicalOrgCode = (code: string): boolean => {
  const parsed = parseOrgCode(code);
  return parsed.ok && parsed.value === code;
};

/** The region (province) a USCC was registered in: characters 3–4. */
export const provinceOfOrgCode = (orgCode: string): string | null =>
  /^[0-9A-Z]{2}\d{6}/.test(orgCode) ? `${orgCode.slice(2, 4)}0000` : null;

/**
 * One stream's raw events: the national regulator any stream; a provincial regulator the
 * streams its province owns (persons and AEFI of the province, its sites and organisations).
 * Product, batch, release and recall streams span provinces: national only.
 */
export const canReadStream = (actor: Actor, streamId: string): Decision => {
  if (actor.role !== 'regulator') return 'forbidden';
  if (isNational(actor)) return 'allow';
  const byProvince = /^(?:person|aefi|signal)-(\d{6})-/.exec(streamId);
  if (byProvince) return allowIf(sameProvince(byProvince[1]!, actor.provinceCode));
  const bySite = /^(?:site|org)-([0-9A-Z]{18})/.exec(streamId);
  if (bySite) {
    const province = provinceOfOrgCode(bySite[1]!);
    return allowIf(province !== null && sameProvince(province, actor.provinceCode));
  }
  return 'not_found';
};

/** The node's audit trail of reads of personal data: the national regulator, or the regulator of the node's province. */
export const canReadAuditTrail = (actor: Actor, nodeProvince: string): Decision =>
  allowIf(actor.role === 'regulator' && inJurisdiction(actor, [nodeProvince]), 'forbidden');

/** The whole global log: the hub (sync) and the national regulator. */
export const canReadLog = (actor: Actor): Decision =>
  allowIf(actor.role === 'hub' || (actor.role === 'regulator' && isNational(actor)), 'forbidden');

// ---------------------------------------------------------------------------------------------
// Lists: the same rules as the detail reads, as grants the list queries turn into SQL

/** The grants of a list (libs/projections ListScope): a row is listed when one of them reaches it. */
export interface ListGrants {
  readonly all?: boolean;
  readonly ownSites?: { readonly orgCode: string; readonly siteCode?: string };
  readonly province?: string;
  readonly supervisedBy?: string;
  readonly mahOrgCode?: string;
  readonly issuerOrgCode?: string;
}

const ownSites = (actor: Actor): ListGrants['ownSites'] => ({
  orgCode: actor.orgCode,
  ...(actor.siteCode ? { siteCode: actor.siteCode } : {}),
});

/**
 * Shipments, as canSeeInventory for either end: the caller's own sites; a CDC the sites it
 * supervises (national CDC: all); a regulator its province (national: all). Hub: none (403).
 */
export const shipmentListGrants = (actor: Actor): ListGrants | 'forbidden' => {
  switch (actor.role) {
    case 'hub':
    case 'healthcode':
      return 'forbidden';
    case 'cdc':
      return isNational(actor) ? { all: true } : { ownSites: ownSites(actor), supervisedBy: actor.orgCode };
    case 'regulator':
      return isNational(actor) ? { all: true } : { ownSites: ownSites(actor), province: actor.provinceCode };
    case 'manufacturer':
    case 'clinic':
      return { ownSites: ownSites(actor) };
  }
};

/** Batches, as canSeeBatch: regulator by province, MAH its own, CDC held or province, clinic held. */
export const batchListGrants = (actor: Actor): ListGrants | 'forbidden' => {
  switch (actor.role) {
    case 'hub':
    case 'healthcode':
      return 'forbidden';
    case 'regulator':
      return isNational(actor) ? { all: true } : { province: actor.provinceCode };
    case 'manufacturer':
      return { mahOrgCode: actor.orgCode };
    case 'cdc':
      return isNational(actor) ? { all: true } : { ownSites: ownSites(actor), province: actor.provinceCode };
    case 'clinic':
      return { ownSites: ownSites(actor) };
  }
};

/** Recalls, as canSeeRecall: the issuer, or whoever sees one of the recalled batches. */
export const recallListGrants = (actor: Actor): ListGrants | 'forbidden' => {
  const batches = batchListGrants(actor);
  return batches === 'forbidden' ? batches : { ...batches, issuerOrgCode: actor.orgCode };
};

// Adverse events following immunisation

/** Where an AEFI report belongs: the reporter and the sites and provinces of vaccination. */
export interface AefiScope {
  readonly reporterSite: string | null;
  /** Provinces of vaccination and of the reporting node. */
  readonly provinces: readonly string[];
  /** The dose sites, with their supervising CDCs. */
  readonly doseSites: readonly SiteScope[];
}

/**
 * Taking the card (acknowledging) is the county CDC's: a CDC supervising a site of
 * vaccination, or any CDC of a province of vaccination (the provincial and city CDCs above it
 * escalate). Classifying is also the regulator's of those provinces.
 */
export const canHandleAefi = (actor: Actor, report: AefiScope, act: 'acknowledge' | 'classify'): Decision => {
  const vaccinated = report.doseSites.map((s) => s.province);
  const supervises = report.doseSites.some((s) => s.supervisors.includes(actor.orgCode));
  if (actor.role === 'cdc' && (supervises || inJurisdiction(actor, vaccinated))) return 'allow';
  if (actor.role === 'regulator' && act === 'classify' && inJurisdiction(actor, vaccinated)) return 'allow';
  // Whoever can read the report (the reporter's province, say) is told it may not; others cannot tell it exists.
  return canSeeAefi(actor, report) === 'allow' ? 'forbidden' : 'not_found';
};

/** One report: CDCs and regulators of a province it concerns; the clinic or CDC that reported it. */
export const canSeeAefi = (actor: Actor, report: AefiScope): Decision => {
  const reportedIt = report.reporterSite !== null && isOwnSite(actor, report.reporterSite);
  switch (actor.role) {
    case 'cdc':
      // A CDC of another province may file a report here (its case, this province's dose): it reads what it filed.
      return allowIf(reportedIt || inJurisdiction(actor, report.provinces));
    case 'regulator':
      return allowIf(inJurisdiction(actor, report.provinces));
    case 'clinic':
      return allowIf(reportedIt);
    case 'manufacturer':
      return 'not_found';
    case 'hub':
    case 'healthcode':
      return 'forbidden';
  }
};

/**
 * Which reports a CDC's or regulator's queue lists: every one for a national caller, else
 * those concerning its province (two-digit prefixes, as the read model filters).
 */
export const aefiQueueFilter = (actor: Actor): readonly string[] | null => (isNational(actor) ? null : [actor.provinceCode.slice(0, 2)]);

/**
 * A batch's AEFI view (counts, rate, reports): whoever may see the batch, except clinics
 * (they see their own reports) and the hub. MAHs see their own batches: pharmacovigilance is
 * their duty too.
 */
export const canSeeBatchAefi = (actor: Actor, batch: BatchScope): Decision =>
  actor.role === 'clinic' || actor.role === 'hub' ? 'forbidden' : canSeeBatch(actor, batch);

/** Signals: regulators (their jurisdiction's batches) and the batch's MAH. */
export const canSeeAefiSignal = (actor: Actor, batch: BatchScope | null): Decision => {
  if (actor.role !== 'regulator' && actor.role !== 'manufacturer') return 'forbidden';
  return batch === null ? allowIf(isNational(actor)) : canSeeBatch(actor, batch);
};
