import type { DomainEvent } from '../shared/domain-event';
import type { Instant } from '../shared/dates';
import { compact } from '../shared/assertions';

/** Value sets of an AEFI case card (DOMAIN.md §3). */
export const SERIOUS_CRITERIA = ['death', 'life_threatening', 'hospitalisation', 'disability', 'congenital_anomaly', 'other'] as const;
export type SeriousCriterion = (typeof SERIOUS_CRITERIA)[number];
export const AEFI_OUTCOMES = ['recovering', 'recovered', 'sequelae', 'died', 'unknown'] as const;
export type AefiOutcome = (typeof AEFI_OUTCOMES)[number];
/** China's AEFI classes; WHO's causality categories map onto them (product, quality, error, anxiety, coincidental). */
export const AEFI_CLASSES = [
  'common_reaction',
  'rare_reaction',
  'quality_defect',
  'programme_error',
  'coincidental',
  'psychogenic',
  'undetermined',
] as const;
export type AefiClass = (typeof AEFI_CLASSES)[number];

/**
 * A dose the report follows, as the reporting node knew it: carried in the event so that
 * every node can route, count and show the report without holding the dose itself.
 * Pseudonymous: site and batch, never the vaccinator or the person's details.
 */
export interface AefiDose {
  readonly doseEventId: string;
  readonly batchId: string;
  readonly productCode: string;
  readonly siteCode: string;
  /** Province whose node recorded the dose: the report is routed there (DOMAIN.md §8). */
  readonly province: string;
  readonly administeredAt: Instant;
}

/**
 * An adverse event following immunisation, linked to the doses it follows. The narrative
 * and any contact details are in the reporting node's vault only (`narrativeInVault`), under
 * the person's key, so erasing the person's details erases them too.
 */
export type AdverseEventReported = DomainEvent<
  'AdverseEventReported',
  1,
  {
    reportId: string;
    personId: string;
    doseEventIds: string[];
    doses: AefiDose[];
    reporterSite: string;
    discoveredAt: Instant;
    onsetAt: Instant;
    /** Coded signs and symptoms (value-set codes, never free text). */
    signs: string[];
    serious: boolean;
    seriousCriteria?: SeriousCriterion[];
    cluster: boolean;
    majorPublicImpact: boolean;
    outcome: AefiOutcome;
    /** True when the 2-hour clock applies (serious, death, cluster or major public impact). */
    urgent: boolean;
    /** Card due at the county CDC: discoveredAt + 2 h (urgent) or + 48 h. */
    deadlineAt: Instant;
    /** Provinces the report must reach besides its own: where the doses were given. */
    routeTo: string[];
    narrativeInVault: boolean;
  }
>;

/**
 * The county CDC of vaccination took the card. Written by the CDC's own node, in its own
 * `aefi-{province}-{reportId}` stream (one writer per stream), and routed back to the reporter.
 */
export type AefiAcknowledged = DomainEvent<
  'AefiAcknowledged',
  1,
  { reportId: string; reportProvince: string; acknowledgedAt: Instant; cdcOrgCode: string; routeTo: string[] }
>;

export type AefiClassified = DomainEvent<
  'AefiClassified',
  1,
  { reportId: string; reportProvince: string; aefiClass: AefiClass; classifiedAt: Instant; routeTo: string[] }
>;

export type AefiEvent = AdverseEventReported | AefiAcknowledged | AefiClassified;

export const adverseEventReported = (data: AdverseEventReported['data']): AdverseEventReported => ({
  type: 'AdverseEventReported',
  schemaVersion: 1,
  data: compact(data),
});

export const aefiAcknowledged = (data: AefiAcknowledged['data']): AefiAcknowledged => ({
  type: 'AefiAcknowledged',
  schemaVersion: 1,
  data,
});

export const aefiClassified = (data: AefiClassified['data']): AefiClassified => ({ type: 'AefiClassified', schemaVersion: 1, data });
