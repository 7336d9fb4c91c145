import { firstDuplicate, requireNotInFuture, requireWholeNumber } from '../shared/assertions';
import type { Instant } from '../shared/dates';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { requireUsableBatch, type BatchFacts } from '../batch/batch.facts';
import type { OrgFacts } from '../organisation/organisation.facts';
import type { OrgKind } from '../organisation/organisation.events';
import { type BatchFactsById, checkLines } from './site.checks';
import {
  shipmentDispatched,
  unitsDestroyed,
  type BillType,
  type DestructionReasonCode,
  type ReturnBillType,
  type ShipmentLine,
  type SiteEvent,
} from './site.events';
import { receive, type ReceiveShipment } from './site.receipt';
import {
  evolveSite,
  initialSiteState,
  quarantinedCodeCheck,
  shipmentWithNote,
  stockOf,
  usableCodeCheck,
  type SiteState,
  type StockLevel,
} from './site.state';

export type { BatchFactsById } from './site.checks';
export type { ReceiveShipment, ReceiveShipmentContext, ReceiveShipmentData } from './site.receipt';

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
  // A delivery note (随货同行单) names one shipment: receivers, EPCIS capture and the
  // document reconciliation find the shipment by its number.
  const noteUsedBy = shipmentWithNote(state, data.deliveryNoteNo);
  if (noteUsedBy !== undefined) {
    throw new RuleViolation(
      'DELIVERY_NOTE_REUSED',
      `delivery note ${data.deliveryNoteNo} was already issued with shipment ${noteUsedBy}`,
      'deliveryNoteNo',
    );
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
