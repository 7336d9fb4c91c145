// Public API of the pure domain: events, deciders, the facts handlers pass in, value sets.
// Test helpers (./testing) are deliberately not exported: they use jest's globals.

export * from './identifiers';
export * from './shared/domain-event';
export * from './shared/rule-violation';
export * from './shared/dates';
export * from './shared/decider';
export { CLOCK_SKEW_TOLERANCE_MINUTES } from './shared/assertions';
export * from './streams';
export * from './schedules/schedules';

export * from './organisation/organisation.events';
export * from './organisation/organisation.facts';
export * from './organisation/organisation.decider';

export * from './product/product.events';
export * from './product/product.facts';
export * from './product/product.decider';

export * from './batch/batch.events';
export * from './batch/batch.facts';
export * from './batch/batch.decider';

export * from './lot-release/lot-release.events';
export * from './lot-release/lot-release.decider';

export * from './site/site.events';
export * from './site/site.facts';
export * from './site/site.state';
export * from './site/site.decider';

export * from './recall/recall.events';
export * from './recall/recall.decider';

export * from './person/person.events';
export * from './person/person.facts';
export * from './person/person.decider';

export * from './audit/access.events';

export * from './aefi/aefi.events';
export * from './aefi/aefi.clocks';
export * from './aefi/aefi.decider';
export * from './aefi/aefi-signal.statistics';
export * from './aefi/aefi-signal.decider';

import type { OrganisationEvent } from './organisation/organisation.events';
import type { ProductEvent } from './product/product.events';
import type { BatchEvent } from './batch/batch.events';
import type { LotReleaseEvent } from './lot-release/lot-release.events';
import type { SiteEvent } from './site/site.events';
import type { RecallEvent } from './recall/recall.events';
import type { PersonEvent } from './person/person.events';
import type { AefiEvent } from './aefi/aefi.events';
import type { AefiSignalEvent } from './aefi/aefi-signal.decider';

/** Every event the domain writes, across all streams. */
export type LedgerEvent =
  OrganisationEvent | ProductEvent | BatchEvent | LotReleaseEvent | SiteEvent | RecallEvent | PersonEvent | AefiEvent | AefiSignalEvent;

export type LedgerEventType = LedgerEvent['type'];

/** Every event type string, e.g. for a sync consumer's allow-list. */
export const LEDGER_EVENT_TYPES = [
  'OrganisationRegistered',
  'ProductRegistered',
  'BatchProduced',
  'BatchReleased',
  'BatchReleaseRefused',
  'ShipmentDispatched',
  'ShipmentReceived',
  'UnitsDestroyed',
  'BatchRecalled',
  'RecallLifted',
  'PersonRegistered',
  'DoseAdministered',
  'DoseEnteredInError',
  'PersonDetailsErased',
  'AdverseEventReported',
  'AefiAcknowledged',
  'AefiClassified',
  'AefiSignalRaised',
] as const satisfies readonly LedgerEventType[];

// Fails to compile when an event type is missing from the list above.
const everyTypeListed: Record<Exclude<LedgerEventType, (typeof LEDGER_EVENT_TYPES)[number]>, never> = {};
void everyTypeListed;
export * from './identifiers';
export * from './guards/stock-guards';
