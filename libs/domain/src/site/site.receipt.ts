import { CLOCK_SKEW_TOLERANCE_MINUTES, compact, requireNotInFuture, requireWholeNumber } from '../shared/assertions';
import { isLaterThan, type Instant } from '../shared/dates';
import type { BaseContext, Command } from '../shared/decider';
import { RuleViolation } from '../shared/rule-violation';
import { type BatchFactsById, checkLines } from './site.checks';
import {
  shipmentReceived,
  type ReceiptLine,
  type SiteEvent,
  type TemperatureLog,
  type TemperatureReading,
  type Verification,
} from './site.events';
import type { ShipmentFacts } from './site.facts';
import type { SiteState } from './site.state';

// A site receiving a shipment (ShipmentReceived): the receipt rules, apart from dispatch and
// destruction in site.decider.ts.

export interface ReceiveShipmentData {
  readonly shipmentId: string;
  readonly receivedAt: Instant;
  /** Sender from the delivery note; needed only while the dispatch has not synced. */
  readonly fromSite?: string;
  readonly lines: readonly {
    readonly batchId: string;
    readonly accepted: number;
    readonly rejected: number;
    readonly traceCodes?: readonly string[];
  }[];
  readonly verification: Verification;
  readonly temperatureLog?: { readonly deviceId: string; readonly readings: readonly TemperatureReading[] };
}

export interface ReceiveShipmentContext extends BaseContext {
  /** The matching dispatch from the shipment read model; null while it has not synced. */
  readonly dispatch: ShipmentFacts | null;
  /** For the storage range of each line's product; a batch missing here is not range-checked. */
  readonly batches: BatchFactsById;
}

export type ReceiveShipment = Command<'ReceiveShipment', ReceiveShipmentData, ReceiveShipmentContext>;

const hasReadings = (log: ReceiveShipmentData['temperatureLog']): log is NonNullable<ReceiveShipmentData['temperatureLog']> =>
  log !== undefined && log.readings.length > 0;

/** Whether a reading left the storage range of a product on the receipt. */
const outOfRange = (
  log: NonNullable<ReceiveShipmentData['temperatureLog']>,
  batchIds: readonly string[],
  batches: BatchFactsById,
): boolean => {
  const ranges = batchIds.flatMap((batchId) => {
    const batch = batches[batchId];
    return batch ? [batch.storageC] : [];
  });
  return log.readings.some(({ celsius }) => ranges.some((range) => !(celsius >= range.min && celsius <= range.max)));
};

const summariseLog = (log: ReceiveShipmentData['temperatureLog']): TemperatureLog | undefined => {
  if (!hasReadings(log)) return undefined;
  const values = log.readings.map((reading) => reading.celsius);
  return {
    deviceId: log.deviceId,
    readings: log.readings.map(({ at, celsius }) => ({ at, celsius })),
    // A logger's readings can run to thousands; reduce rather than spread into Math.min.
    min: values.reduce((a, b) => Math.min(a, b)),
    max: values.reduce((a, b) => Math.max(a, b)),
  };
};

const receiptLine = (
  batchId: string,
  shipped: number,
  accepted: number,
  rejected: number,
  traceCodes: readonly string[] | undefined,
): ReceiptLine =>
  traceCodes && traceCodes.length > 0 && accepted > 0
    ? { batchId, shipped, accepted, rejected, traceCodes: [...traceCodes] }
    : { batchId, shipped, accepted, rejected };

/**
 * Every shipped dose is accounted for: each shipped line is on the receipt, and its accepted
 * plus rejected doses are exactly what was shipped. A shortfall or an overage is recorded
 * as rejected doses with a discrepancy, never left out (unaccounted stock) or taken in.
 */
const matchShipment = (data: ReceiveShipmentData, shipped: ShipmentFacts): ReceiptLine[] => {
  const shippedByBatch = new Map(shipped.lines.map((line) => [line.batchId, line]));
  data.lines.forEach((line, index) => {
    const field = `lines[${index}]`;
    const dispatched = shippedByBatch.get(line.batchId);
    if (!dispatched) {
      throw new RuleViolation('RECEIPT_LINE_NOT_SHIPPED', `${line.batchId} is not on this shipment`, `${field}.batchId`);
    }
    const counted = line.accepted + line.rejected;
    if (counted !== dispatched.quantity) {
      throw new RuleViolation(
        'RECEIPT_QUANTITY_MISMATCH',
        `lines[${index}]: accepted ${line.accepted} + rejected ${line.rejected} = ${counted} doses of ${line.batchId}, but ${dispatched.quantity} were shipped; count every shipped dose as accepted or rejected`,
        field,
      );
    }
    const shippedCodes = new Set(dispatched.traceCodes ?? []);
    const stray = (line.traceCodes ?? []).find((code) => !shippedCodes.has(code));
    if (stray !== undefined) {
      throw new RuleViolation('TRACE_CODE_NOT_SHIPPED', `${stray} was not shipped on this line`, `${field}.traceCodes`);
    }
  });
  const counted = new Map(data.lines.map((line) => [line.batchId, line]));
  const missing = shipped.lines.find((line) => !counted.has(line.batchId));
  if (missing) {
    throw new RuleViolation(
      'RECEIPT_QUANTITY_MISMATCH',
      `${missing.quantity} doses of ${missing.batchId} were shipped but are not on the receipt; add a line accepting or rejecting them`,
      'lines',
    );
  }
  return shipped.lines.map((dispatched) => {
    const line = counted.get(dispatched.batchId)!;
    const codes = line.traceCodes ?? (line.accepted === dispatched.quantity ? dispatched.traceCodes : undefined);
    return receiptLine(dispatched.batchId, dispatched.quantity, line.accepted, line.rejected, codes);
  });
};

export const receive = ({ data, context }: ReceiveShipment, state: SiteState): SiteEvent[] => {
  const { actor, dispatch: shipped } = context;
  requireNotInFuture(data.receivedAt, context.now, 'receivedAt');
  if (shipped && shipped.toSite !== actor.orgCode && shipped.toSite !== actor.siteCode) {
    throw new RuleViolation('NOT_SHIPMENT_RECIPIENT', `shipment ${data.shipmentId} is for ${shipped.toSite}`, 'shipmentId');
  }
  // Received before it left: impossible, and it would put the custody chain out of order.
  if (shipped?.dispatchedAt !== undefined && isLaterThan(shipped.dispatchedAt, data.receivedAt, CLOCK_SKEW_TOLERANCE_MINUTES)) {
    throw new RuleViolation(
      'RECEIPT_BEFORE_DISPATCH',
      `receivedAt ${data.receivedAt} is before the shipment was dispatched (${shipped.dispatchedAt})`,
      'receivedAt',
    );
  }
  if (state.receipts[data.shipmentId]) {
    throw new RuleViolation('SHIPMENT_ALREADY_RECEIVED', `shipment ${data.shipmentId} was already received`, 'shipmentId');
  }
  checkLines(data.lines);
  data.lines.forEach((line, index) => {
    requireWholeNumber(line.accepted, 0, `lines[${index}].accepted`);
    requireWholeNumber(line.rejected, 0, `lines[${index}].rejected`);
  });
  for (const reading of data.temperatureLog?.readings ?? []) requireNotInFuture(reading.at, context.now, 'temperatureLog');
  // The Vaccine Administration Law: no vaccine is taken into stock without the transport's
  // temperature record. A receipt accepting doses must carry it; one refusing the whole
  // shipment (for instance because the carrier had no record) may not have one to give.
  const accepting = data.lines.some((line) => line.accepted > 0) && data.verification.result !== 'rejected';
  if (accepting && !hasReadings(data.temperatureLog)) {
    throw new RuleViolation(
      'TEMPERATURE_LOG_REQUIRED',
      'temperatureLog with at least one reading is required to accept doses; without one, record every dose as rejected',
      'temperatureLog',
    );
  }

  let fromSite: string;
  let lines: ReceiptLine[];
  if (shipped) {
    lines = matchShipment(data, shipped);
    fromSite = shipped.fromSite;
  } else {
    // Goods before data: the dispatch has not synced from the sender's node yet. Keep the
    // receipt and quarantine its stock rather than turn away vaccines that are physically here.
    if (data.fromSite === undefined || data.fromSite === '') {
      throw new RuleViolation(
        'UNKNOWN_SHIPMENT',
        'the dispatch has not synced yet: give the sender (fromSite) from the delivery note',
        'fromSite',
      );
    }
    fromSite = data.fromSite;
    lines = data.lines.map((line) =>
      receiptLine(line.batchId, line.accepted + line.rejected, line.accepted, line.rejected, line.traceCodes),
    );
  }

  // A reading out of the product's range refuses the vaccines: recorded as a rejection (the
  // goods are physically refused at the door), which the answer reports line by line.
  const tooWarmOrCold =
    hasReadings(data.temperatureLog) &&
    outOfRange(
      data.temperatureLog,
      lines.map((line) => line.batchId),
      context.batches,
    );
  const { result, reasonCode, releaseCertificateChecked } = data.verification;
  const verification: Verification = tooWarmOrCold
    ? { result: 'rejected', reasonCode: 'TEMPERATURE_OUT_OF_RANGE', releaseCertificateChecked }
    : compact({ result, reasonCode, releaseCertificateChecked });
  if (verification.result === 'rejected') {
    lines = lines.map((line) => receiptLine(line.batchId, line.shipped, 0, line.shipped, undefined));
  }
  return [
    shipmentReceived({
      shipmentId: data.shipmentId,
      fromSite,
      receivedAt: data.receivedAt,
      lines,
      verification,
      temperatureLog: summariseLog(data.temperatureLog),
      quarantined: shipped === null,
    }),
  ];
};
