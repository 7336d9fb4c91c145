import type { Instant } from '../shared/dates';

/** A unit's trace code as the trace-code read model knows it. */
export interface TraceCodeFacts {
  readonly batchId: string;
  /** Site holding the unit; null while in transit, once destroyed, or when nobody holds it. */
  readonly holderSite: string | null;
  /** Doses already drawn from the unit (voided doses excluded). */
  readonly dosesDrawn: number;
}

/** A valid dose of this person recorded in another stream (another province's node). */
export interface DoseFacts {
  readonly eventId: string;
  readonly vaccineType: string;
  readonly doseNumber: number;
  readonly administeredAt: Instant;
}
