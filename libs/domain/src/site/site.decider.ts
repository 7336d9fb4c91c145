import { compact, firstDuplicate, requireNotInFuture, requireWholeNumber } from '../shared/assertions';
import type { Instant } from '../shared/dates';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { requireUsableBatch, type BatchFacts } from '../batch/batch.facts';
import type { OrgFacts } from '../organisation/organisation.facts';
import type { OrgKind } from '../organisation/organisation.events';
import {
  shipmentDispatched,
  shipmentReceived,
  unitsDestroyed,
  type BillType,
  type DestructionReasonCode,
  type ReceiptLine,
  type ReturnBillType,
  type ShipmentLine,
  type SiteEvent,
  type TemperatureLog,
  type TemperatureReading,
  type Verification,
} from './site.events';
import type { ShipmentFacts } from './site.facts';
import {
  evolveSite,
  initialSiteState,
  quarantinedCodeCheck,
  stockOf,
  usableCodeCheck,
  type SiteState,
  type StockLevel,
} from './site.state';

// ---------------------------------------------------------------------------------------------
// Commands. The site is always the caller's organisation (`context.actor.orgCode`).

export interface DispatchShipmentData {
  readonly shipmentId: string;
  readonly toSite: string;
  readonly dispatchedAt: Instant;
  readonly deliveryNoteNo: string;
  readonly orderNo?: string;
  readonly carrierOrgCode?: string;
  readonly lines: readonly ShipmentLine[];
  /** Set only for a return (202) or a recall return (211); otherwise derived from the roles. */
  readonly billType?: ReturnBillType;
}

/** Per batch id; a batch missing from the map is unknown. */
export type BatchFactsById = Readonly<Record<string, BatchFacts>>;

export interface DispatchShipmentContext extends BaseContext {
  /** The caller's organisation. */
  readonly sender: OrgFacts;
  /** The `toSite` organisation; null when it is not registered. */
  readonly receiver: OrgFacts | null;
  readonly batches: BatchFactsById;
  /** Doses drawn at this site per batch, from the dose read model (doses live in person streams). */
  readonly administeredHere: Readonly<Record<string, number>>;
  /** Those of the command's codes from which doses have already been drawn. */
  readonly usedTraceCodes: readonly string[];
}

export type DispatchShipment = Command<'DispatchShipment', DispatchShipmentData, DispatchShipmentContext>;

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

export interface DestroyUnitsData {
  readonly destroyedAt: Instant;
  readonly lines: readonly ShipmentLine[];
  readonly reasonCode: DestructionReasonCode;
  readonly executorRef: string;
  readonly supervisorRef: string;
  readonly supervisorOrgCode: string;
  readonly recallId?: string;
}

export interface DestroyUnitsContext extends BaseContext {
  readonly batches: BatchFactsById;
  readonly administeredHere: Readonly<Record<string, number>>;
}

export type DestroyUnits = Command<'DestroyUnits', DestroyUnitsData, DestroyUnitsContext>;

export type SiteCommand = DispatchShipment | ReceiveShipment | DestroyUnits;

// ---------------------------------------------------------------------------------------------
// Shared checks

const RETURN_BILLS: readonly BillType[] = ['202', '211'];

/**
 * Which bill a movement is, or null when the roles may not trade in that direction:
 * MAHs sell only to CDCs; CDCs supply clinics and transfer between themselves; returns go
 * upstream (clinic → CDC or MAH, CDC → CDC or MAH); regulators and carriers never ship.
 */
export const billTypeFor = (from: OrgKind, to: OrgKind, requested?: ReturnBillType): BillType | null => {
  const isReturn = requested !== undefined;
  switch (from) {
    case 'manufacturer':
      return to === 'cdc' && !isReturn ? '201' : null;
    case 'cdc':
      if (to === 'clinic') return isReturn ? null : '209';
      if (to === 'cdc') return requested ?? '203';
      if (to === 'manufacturer') return requested ?? '202';
      return null;
    case 'clinic':
      return to === 'cdc' || to === 'manufacturer' ? (requested ?? '202') : null;
    case 'regulator':
    case 'distributor':
      return null;
    default:
      return unreachable(from);
  }
};

const checkLines = (lines: readonly { readonly batchId: string }[]): void => {
  if (lines.length === 0) throw new RuleViolation('INVALID_QUANTITY', 'at least one line is needed', 'lines');
  const repeated = firstDuplicate(lines.map((line) => line.batchId));
  if (repeated !== undefined) {
    throw new RuleViolation('DUPLICATE_LINE', `batch ${repeated} appears on two lines`, 'lines');
  }
};

const siteStockOf = (state: SiteState, site: string, batch: BatchFacts, administeredHere: Readonly<Record<string, number>>): StockLevel =>
  stockOf(state, batch.batchId, {
    producedHere: batch.mahOrgCode === site ? batch.producedQuantity : 0,
    administeredHere: administeredHere[batch.batchId] ?? 0,
  });

const producedCodesHere = (site: string, batch: BatchFacts): readonly string[] =>
  batch.mahOrgCode === site ? (batch.producedTraceCodes ?? []) : [];

/** A line as recorded: only its own fields, and no empty code list. */
const shipmentLine = ({ batchId, quantity, traceCodes }: ShipmentLine): ShipmentLine =>
  traceCodes && traceCodes.length > 0 ? { batchId, quantity, traceCodes: [...traceCodes] } : { batchId, quantity };

const allCodes = (lines: readonly { readonly traceCodes?: readonly string[] }[]): string[] =>
  lines.flatMap((line) => line.traceCodes ?? []);

// ---------------------------------------------------------------------------------------------
// Dispatch

const dispatch = ({ data, context }: DispatchShipment, state: SiteState): SiteEvent[] => {
  const site = context.actor.orgCode;
  requireNotInFuture(data.dispatchedAt, context.now, 'dispatchedAt');
  if (state.shipments[data.shipmentId]) {
    throw new RuleViolation('SHIPMENT_EXISTS', `shipment ${data.shipmentId} was already dispatched`, 'shipmentId');
  }
  const { sender, receiver } = context;
  if (!receiver) throw new RuleViolation('UNKNOWN_ORGANISATION', `no organisation ${data.toSite}`, 'toSite');
  if (data.toSite === site || receiver.orgCode === sender.orgCode) {
    throw new RuleViolation('SAME_SENDER_AND_RECEIVER', 'a site cannot ship to itself', 'toSite');
  }
  const billType = billTypeFor(sender.kind, receiver.kind, data.billType);
  if (billType === null) {
    throw new RuleViolation('FLOW_NOT_ALLOWED', `${sender.kind} may not ship to ${receiver.kind} this way`, 'toSite');
  }
  checkLines(data.lines);
  const repeatedCode = firstDuplicate(allCodes(data.lines));
  if (repeatedCode !== undefined) {
    throw new RuleViolation('TRACE_CODE_DUPLICATE', `${repeatedCode} is listed twice`, 'lines');
  }
  const used = new Set(context.usedTraceCodes);
  data.lines.forEach((line, index) => {
    const field = `lines[${index}]`;
    requireWholeNumber(line.quantity, 1, `${field}.quantity`);
    const batch = context.batches[line.batchId];
    if (!batch) throw new RuleViolation('UNKNOWN_BATCH', `no batch ${line.batchId}`, `${field}.batchId`);
    // Returns (recall returns included) move stock that is no longer usable, by design.
    if (!RETURN_BILLS.includes(billType)) requireUsableBatch(batch, data.dispatchedAt, `${field}.batchId`);
    const { available } = siteStockOf(state, site, batch, context.administeredHere);
    if (line.quantity > available) {
      throw new RuleViolation(
        'INSUFFICIENT_STOCK',
        `${line.quantity} doses of ${line.batchId} requested, ${Math.max(available, 0)} available`,
        `${field}.quantity`,
      );
    }
    const codes = line.traceCodes ?? [];
    if (codes.length === 0) return;
    if (!batch.serialised || codes.length * batch.dosesPerUnit !== line.quantity) {
      throw new RuleViolation(
        'TRACE_CODE_COUNT_MISMATCH',
        `${codes.length} codes do not make ${line.quantity} doses of ${line.batchId}`,
        `${field}.traceCodes`,
      );
    }
    const usable = usableCodeCheck(state, line.batchId, producedCodesHere(site, batch));
    const missing = codes.find((code) => !usable(code));
    if (missing !== undefined) {
      throw new RuleViolation('TRACE_CODE_NOT_ON_HAND', `${missing} is not in usable stock here`, `${field}.traceCodes`);
    }
    const opened = codes.find((code) => used.has(code));
    if (opened !== undefined) {
      throw new RuleViolation('TRACE_CODE_USED', `doses were already drawn from ${opened}`, `${field}.traceCodes`);
    }
  });
  return [
    shipmentDispatched({
      shipmentId: data.shipmentId,
      fromSite: site,
      toSite: data.toSite,
      toProvince: receiver.provinceCode,
      lines: data.lines.map(shipmentLine),
      dispatchedAt: data.dispatchedAt,
      deliveryNoteNo: data.deliveryNoteNo,
      orderNo: data.orderNo,
      carrierOrgCode: data.carrierOrgCode,
      billType,
    }),
  ];
};

// ---------------------------------------------------------------------------------------------
// Receipt

/** Why the temperature record forces a rejection, if it does. */
const temperatureProblem = (
  log: ReceiveShipmentData['temperatureLog'],
  batchIds: readonly string[],
  batches: BatchFactsById,
): 'TEMPERATURE_LOG_REQUIRED' | 'TEMPERATURE_OUT_OF_RANGE' | null => {
  if (!log || log.readings.length === 0) return 'TEMPERATURE_LOG_REQUIRED';
  const ranges = batchIds.flatMap((batchId) => {
    const batch = batches[batchId];
    return batch ? [batch.storageC] : [];
  });
  const outside = log.readings.some(({ celsius }) => ranges.some((range) => !(celsius >= range.min && celsius <= range.max)));
  return outside ? 'TEMPERATURE_OUT_OF_RANGE' : null;
};

const summariseLog = (log: ReceiveShipmentData['temperatureLog']): TemperatureLog | undefined => {
  if (!log || log.readings.length === 0) return undefined;
  const values = log.readings.map((reading) => reading.celsius);
  return {
    deviceId: log.deviceId,
    readings: log.readings.map(({ at, celsius }) => ({ at, celsius })),
    // A logger's readings can run to thousands; reduce rather than spread into Math.min.
    min: values.reduce((a, b) => Math.min(a, b)),
    max: values.reduce((a, b) => Math.max(a, b)),
  };
};

const receive = ({ data, context }: ReceiveShipment, state: SiteState): SiteEvent[] => {
  const { actor, dispatch: shipped } = context;
  requireNotInFuture(data.receivedAt, context.now, 'receivedAt');
  if (shipped && shipped.toSite !== actor.orgCode && shipped.toSite !== actor.siteCode) {
    throw new RuleViolation('NOT_SHIPMENT_RECIPIENT', `shipment ${data.shipmentId} is for ${shipped.toSite}`, 'shipmentId');
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

  let fromSite: string;
  let lines: ReceiptLine[];
  if (shipped) {
    const shippedByBatch = new Map(shipped.lines.map((line) => [line.batchId, line]));
    data.lines.forEach((line, index) => {
      const field = `lines[${index}]`;
      const dispatched = shippedByBatch.get(line.batchId);
      if (!dispatched) {
        throw new RuleViolation('RECEIPT_LINE_NOT_SHIPPED', `${line.batchId} is not on this shipment`, `${field}.batchId`);
      }
      // Overage is recorded as a discrepancy by the caller, never taken into stock.
      if (line.accepted + line.rejected > dispatched.quantity) {
        throw new RuleViolation(
          'RECEIPT_EXCEEDS_SHIPMENT',
          `${line.accepted + line.rejected} doses of ${line.batchId} counted, ${dispatched.quantity} shipped`,
          field,
        );
      }
      const shippedCodes = new Set(dispatched.traceCodes ?? []);
      const stray = (line.traceCodes ?? []).find((code) => !shippedCodes.has(code));
      if (stray !== undefined) {
        throw new RuleViolation('TRACE_CODE_NOT_SHIPPED', `${stray} was not shipped on this line`, `${field}.traceCodes`);
      }
    });
    fromSite = shipped.fromSite;
    const counted = new Map(data.lines.map((line) => [line.batchId, line]));
    // Every shipped line is recorded, so what nobody counted shows up as unaccounted.
    lines = shipped.lines.map((dispatched) => {
      const line = counted.get(dispatched.batchId);
      const accepted = line?.accepted ?? 0;
      const codes = line?.traceCodes ?? (accepted === dispatched.quantity && line !== undefined ? dispatched.traceCodes : undefined);
      return receiptLine(dispatched.batchId, dispatched.quantity, accepted, line?.rejected ?? 0, codes);
    });
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

  // The Vaccine Administration Law: no complete transport temperature record, or any reading
  // out of the product's range, and the vaccines are refused. Record the refusal; do not throw.
  const problem = temperatureProblem(
    data.temperatureLog,
    lines.map((line) => line.batchId),
    context.batches,
  );
  const { result, reasonCode, releaseCertificateChecked } = data.verification;
  const verification: Verification = problem
    ? { result: 'rejected', reasonCode: problem, releaseCertificateChecked }
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

// ---------------------------------------------------------------------------------------------
// Destruction

const destroy = ({ data, context }: DestroyUnits, state: SiteState): SiteEvent[] => {
  const site = context.actor.orgCode;
  requireNotInFuture(data.destroyedAt, context.now, 'destroyedAt');
  // Four eyes: whoever destroys the stock cannot also be the one who witnesses it.
  if (data.executorRef === data.supervisorRef) {
    throw new RuleViolation('EXECUTOR_IS_SUPERVISOR', 'the executor cannot supervise their own destruction', 'supervisorRef');
  }
  if (data.reasonCode === 'recalled' && (data.recallId === undefined || data.recallId === '')) {
    throw new RuleViolation('RECALL_REQUIRED', 'destruction for a recall names the recall', 'recallId');
  }
  checkLines(data.lines);
  const repeatedCode = firstDuplicate(allCodes(data.lines));
  if (repeatedCode !== undefined) {
    throw new RuleViolation('TRACE_CODE_DUPLICATE', `${repeatedCode} is listed twice`, 'lines');
  }
  data.lines.forEach((line, index) => {
    const field = `lines[${index}]`;
    requireWholeNumber(line.quantity, 1, `${field}.quantity`);
    const batch = context.batches[line.batchId];
    if (!batch) throw new RuleViolation('UNKNOWN_BATCH', `no batch ${line.batchId}`, `${field}.batchId`);
    // Quarantined stock counts: destroying it is the one thing allowed to it.
    const { available, quarantined } = siteStockOf(state, site, batch, context.administeredHere);
    if (line.quantity > available + quarantined) {
      throw new RuleViolation(
        'INSUFFICIENT_STOCK',
        `${line.quantity} doses of ${line.batchId} to destroy, ${Math.max(available + quarantined, 0)} on hand`,
        `${field}.quantity`,
      );
    }
    const usable = usableCodeCheck(state, line.batchId, producedCodesHere(site, batch));
    const held = quarantinedCodeCheck(state, line.batchId);
    const missing = (line.traceCodes ?? []).find((code) => !usable(code) && !held(code));
    if (missing !== undefined) {
      throw new RuleViolation('TRACE_CODE_NOT_ON_HAND', `${missing} is not held here`, `${field}.traceCodes`);
    }
  });
  return [
    unitsDestroyed({
      destroyedAt: data.destroyedAt,
      lines: data.lines.map(shipmentLine),
      reasonCode: data.reasonCode,
      executorRef: data.executorRef,
      supervisorRef: data.supervisorRef,
      supervisorOrgCode: data.supervisorOrgCode,
      recallId: data.recallId,
    }),
  ];
};

// ---------------------------------------------------------------------------------------------

const decide = (command: SiteCommand, state: SiteState): SiteEvent[] => {
  switch (command.type) {
    case 'DispatchShipment':
      return dispatch(command, state);
    case 'ReceiveShipment':
      return receive(command, state);
    case 'DestroyUnits':
      return destroy(command, state);
    default:
      return unreachable(command);
  }
};

export const siteDecider: Decider<SiteCommand, SiteEvent, SiteState> = {
  decide,
  evolve: evolveSite,
  initialState: initialSiteState,
};
