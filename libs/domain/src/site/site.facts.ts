import type { Instant } from '../shared/dates';
import type { BillType, ShipmentLine } from './site.events';

/** A ShipmentDispatched as the shipment read model holds it (possibly from another province). */
export interface ShipmentFacts {
  readonly shipmentId: string;
  readonly fromSite: string;
  readonly toSite: string;
  readonly billType: BillType;
  readonly lines: readonly ShipmentLine[];
  /** When the sender says it left; a receipt may not be dated before it (beyond clock skew). */
  readonly dispatchedAt?: Instant;
}
