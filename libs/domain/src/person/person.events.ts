import type { DomainEvent } from '../shared/domain-event';
import type { Instant } from '../shared/dates';
import { compact } from '../shared/assertions';

/**
 * A person is known to events only by pseudonym (`personId`) and the id of the vault key
 * that encrypts their details. No name, birth date, phone or ID number ever appears here.
 */
export type PersonRegistered = DomainEvent<
  'PersonRegistered',
  1,
  {
    personId: string;
    keyId: string;
    /** GB/T 2260 county of residence, when known. */
    residenceRegion?: string;
  }
>;

export type Route = 'IM' | 'SC' | 'ID' | 'PO' | 'IN';
export type AgeBand = '<1y' | '1-6y' | '7-17y' | '18-59y' | '60+';

/** A deliberate exception to the schedule checks (an intentional repeat, an outbreak dose). */
export interface DoseOverride {
  readonly code: string;
  readonly reason: string;
}

export type DoseAdministered = DomainEvent<
  'DoseAdministered',
  1,
  {
    personId: string;
    siteCode: string;
    administeredAt: Instant;
    batchId: string;
    productCode: string;
    /** Null only for products that are not serialised. */
    traceCode: string | null;
    vaccineType: string;
    doseNumber: number;
    vaccinatorRef: string;
    route: Route;
    bodySite?: string;
    ageBand?: AgeBand;
    override?: DoseOverride;
  }
>;

export type DoseErrorReason = 'did_not_occur' | 'wrong_person' | 'duplicate_entry' | 'other';

export type DoseEnteredInError = DomainEvent<
  'DoseEnteredInError',
  1,
  { doseEventId: string; reasonCode: DoseErrorReason; batchId: string; siteCode: string; traceCode: string | null }
>;

export type ErasureBasis = 'retention_expired' | 'subject_request' | 'duplicate_identity' | 'court_order';

export type PersonDetailsErased = DomainEvent<'PersonDetailsErased', 1, { personId: string; keyId: string; legalBasis: ErasureBasis }>;

export type PersonEvent = PersonRegistered | DoseAdministered | DoseEnteredInError | PersonDetailsErased;

export const personRegistered = (data: PersonRegistered['data']): PersonRegistered => ({
  type: 'PersonRegistered',
  schemaVersion: 1,
  data: compact(data),
});

export const doseAdministered = (data: DoseAdministered['data']): DoseAdministered => ({
  type: 'DoseAdministered',
  schemaVersion: 1,
  data: compact(data),
});

export const doseEnteredInError = (data: DoseEnteredInError['data']): DoseEnteredInError => ({
  type: 'DoseEnteredInError',
  schemaVersion: 1,
  data,
});

export const personDetailsErased = (data: PersonDetailsErased['data']): PersonDetailsErased => ({
  type: 'PersonDetailsErased',
  schemaVersion: 1,
  data,
});
