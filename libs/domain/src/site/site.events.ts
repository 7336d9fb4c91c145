import type { DomainEvent } from '../shared/domain-event';
import type { Instant } from '../shared/dates';
import { compact } from '../shared/assertions';

/**
 * Upload bill codes of the commercial platform [verify against NMPAB/T 1004/1005]:
 * 201 sale (MAH → CDC), 209 supply (CDC → clinic), 203 transfer (CDC → CDC),
 * 202 return (upstream), 211 recall return.
 */
export type BillType = '201' | '202' | '203' | '209' | '211';
/** Bills a sender chooses itself; the others follow from the two parties' roles. */
export type ReturnBillType = '202' | '211';

export interface ShipmentLine {
  readonly batchId: string;
  /** Doses. */
  readonly quantity: number;
  readonly traceCodes?: readonly string[];
}

export type ShipmentDispatched = DomainEvent<
  'ShipmentDispatched',
  1,
  {
    shipmentId: string;
    fromSite: string;
    toSite: string;
    toProvince: string;
    lines: readonly ShipmentLine[];
    dispatchedAt: Instant;
    deliveryNoteNo: string;
    orderNo?: string;
    /** Contracted cold-chain carrier: possession, never ownership. */
    carrierOrgCode?: string;
    billType: BillType;
  }
>;

export interface ReceiptLine {
  readonly batchId: string;
  readonly shipped: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Codes taken into stock. */
  readonly traceCodes?: readonly string[];
}

export type VerificationResult = 'accepted' | 'discrepancy' | 'rejected';

export interface Verification {
  readonly result: VerificationResult;
  readonly reasonCode?: string;
  readonly releaseCertificateChecked: boolean;
}

export interface TemperatureReading {
  readonly at: Instant;
  readonly celsius: number;
}

export interface TemperatureLog {
  readonly deviceId: string;
  readonly readings: readonly TemperatureReading[];
  readonly min: number;
  readonly max: number;
}

export type ShipmentReceived = DomainEvent<
  'ShipmentReceived',
  1,
  {
    shipmentId: string;
    fromSite: string;
    receivedAt: Instant;
    lines: readonly ReceiptLine[];
    verification: Verification;
    temperatureLog?: TemperatureLog;
    /** The dispatch had not synced when the goods arrived: stock held until matched. */
    quarantined: boolean;
  }
>;

export type DestructionReasonCode = 'expired' | 'recalled' | 'cold_chain' | 'damaged' | 'release_refused' | 'opened_vial' | 'other';

export type UnitsDestroyed = DomainEvent<
  'UnitsDestroyed',
  1,
  {
    destroyedAt: Instant;
    lines: readonly ShipmentLine[];
    reasonCode: DestructionReasonCode;
    executorRef: string;
    supervisorRef: string;
    supervisorOrgCode: string;
    recallId?: string;
  }
>;

export type SiteEvent = ShipmentDispatched | ShipmentReceived | UnitsDestroyed;

export const shipmentDispatched = (data: ShipmentDispatched['data']): ShipmentDispatched => ({
  type: 'ShipmentDispatched',
  schemaVersion: 1,
  data: compact(data),
});

export const shipmentReceived = (data: ShipmentReceived['data']): ShipmentReceived => ({
  type: 'ShipmentReceived',
  schemaVersion: 1,
  data: compact(data),
});

export const unitsDestroyed = (data: UnitsDestroyed['data']): UnitsDestroyed => ({
  type: 'UnitsDestroyed',
  schemaVersion: 1,
  data: compact(data),
});
