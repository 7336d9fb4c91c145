import type { DomainEvent } from '../shared/domain-event';
import type { Instant } from '../shared/dates';

/**
 * Why a caller looks at personal data (PIPL asks for a purpose with every processing).
 * Modelled on HL7's PurposeOfUse: `treatment` (TREAT, a clinic with the person in front of
 * it), `recall_follow_up` (contacting recipients of a recalled batch), `public_health`
 * (PUBHLTH, surveillance by a CDC), `oversight` (HOPERAT/audit by a regulator),
 * `subject_request` (PATRQT, the person asked for their own record).
 */
export const PURPOSES_OF_USE = ['treatment', 'recall_follow_up', 'public_health', 'oversight', 'subject_request'] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

export const isPurposeOfUse = (value: string): value is PurposeOfUse => (PURPOSES_OF_USE as readonly string[]).includes(value);

/**
 * Access events: one per read of personal data, appended before the answer leaves the
 * node. Who read is the event's `actor` metadata (organisation, role, province, staffRef);
 * the payload says what (a pseudonym or a batch), why and when. Like every event they
 * carry no name, birth date or ID number, and they never sync to other provinces.
 */
export type PersonLookedUp = DomainEvent<'PersonLookedUp', 1, { personId: string; purpose: PurposeOfUse; accessedAt: Instant }>;

export type PersonRecordRead = DomainEvent<'PersonRecordRead', 1, { personId: string; purpose: PurposeOfUse; accessedAt: Instant }>;

export type RecallImpactExported = DomainEvent<
  'RecallImpactExported',
  1,
  {
    batchId: string;
    purpose: PurposeOfUse;
    accessedAt: Instant;
    format: 'json' | 'csv';
    /** How many recipients the export disclosed. */
    persons: number;
  }
>;

export type AccessEvent = PersonLookedUp | PersonRecordRead | RecallImpactExported;
export type AccessEventType = AccessEvent['type'];

export const ACCESS_EVENT_TYPES = [
  'PersonLookedUp',
  'PersonRecordRead',
  'RecallImpactExported',
] as const satisfies readonly AccessEventType[];

// Fails to compile when an access event type is missing from the list above.
const everyAccessTypeListed: Record<Exclude<AccessEventType, (typeof ACCESS_EVENT_TYPES)[number]>, never> = {};
void everyAccessTypeListed;

export const personLookedUp = (data: PersonLookedUp['data']): PersonLookedUp => ({ type: 'PersonLookedUp', schemaVersion: 1, data });

export const personRecordRead = (data: PersonRecordRead['data']): PersonRecordRead => ({
  type: 'PersonRecordRead',
  schemaVersion: 1,
  data,
});

export const recallImpactExported = (data: RecallImpactExported['data']): RecallImpactExported => ({
  type: 'RecallImpactExported',
  schemaVersion: 1,
  data,
});
