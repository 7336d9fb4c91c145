import { unreachable } from '../shared/domain-event';
import type { Instant } from '../shared/dates';
import type { BillType, ReceiptLine, ShipmentLine, SiteEvent } from './site.events';

/**
 * One site's own view of one batch, folded from its own stream only. Doses given here live
 * in person streams, and a manufacturer's production in the batch stream, so the stock
 * arithmetic below takes those two numbers from the caller.
 */
export interface BatchStock {
  /** Doses accepted into usable stock. */
  readonly received: number;
  /** Doses accepted from receipts whose dispatch had not synced (held, not usable). */
  readonly quarantinedReceived: number;
  readonly dispatched: number;
  /** All doses destroyed here … */
  readonly destroyed: number;
  /** … of which taken out of quarantined stock. */
  readonly destroyedFromQuarantine: number;
  /** +1 per code taken into usable stock, −1 per code shipped or destroyed. */
  readonly codeBalance: Readonly<Record<string, number>>;
  /** Codes that arrived with quarantined receipts. */
  readonly quarantinedCodes: readonly string[];
}

export interface DispatchRecord {
  readonly toSite: string;
  readonly billType: BillType;
  readonly dispatchedAt: Instant;
  readonly lines: readonly ShipmentLine[];
}

export interface ReceiptRecord {
  readonly fromSite: string;
  readonly receivedAt: Instant;
  readonly quarantined: boolean;
  readonly lines: readonly ReceiptLine[];
}

export interface SiteState {
  readonly stock: Readonly<Record<string, BatchStock>>;
  /** Shipments this site dispatched, by shipment id. */
  readonly shipments: Readonly<Record<string, DispatchRecord>>;
  /** Shipments this site received, by shipment id. */
  readonly receipts: Readonly<Record<string, ReceiptRecord>>;
  /** The delivery-note numbers this site has issued, each with the shipment it went with. */
  readonly deliveryNotes: Readonly<Record<string, string>>;
}

export const initialSiteState = (): SiteState => ({ stock: {}, shipments: {}, receipts: {}, deliveryNotes: {} });

/** The shipment a delivery-note number of this site already went with, if any. */
export const shipmentWithNote = (state: SiteState, deliveryNoteNo: string): string | undefined =>
  Object.hasOwn(state.deliveryNotes, deliveryNoteNo) ? state.deliveryNotes[deliveryNoteNo] : undefined;

const emptyStock = (): BatchStock => ({
  received: 0,
  quarantinedReceived: 0,
  dispatched: 0,
  destroyed: 0,
  destroyedFromQuarantine: 0,
  codeBalance: {},
  quarantinedCodes: [],
});

/** What this site holds of a batch besides its own stream. */
export interface StockOutside {
  /** The batch's produced doses when this site is its MAH, else 0. */
  readonly producedHere: number;
  /** Doses drawn here, from the dose read model. */
  readonly administeredHere: number;
}

export interface StockLevel {
  /** Usable: may be dispatched, administered or destroyed. */
  readonly available: number;
  /** Held until its dispatch is matched; may only be destroyed. */
  readonly quarantined: number;
}

export const stockOf = (state: SiteState, batchId: string, outside: StockOutside): StockLevel => {
  const stock = state.stock[batchId] ?? emptyStock();
  const quarantined = stock.quarantinedReceived - stock.destroyedFromQuarantine;
  const destroyedFromAvailable = stock.destroyed - stock.destroyedFromQuarantine;
  return {
    available: outside.producedHere + stock.received - stock.dispatched - destroyedFromAvailable - outside.administeredHere,
    quarantined,
  };
};

/**
 * Whether a code of a batch is in usable stock here: produced here (for its MAH) or
 * received, and not since shipped or destroyed. Build once per batch, ask per code.
 */
export const usableCodeCheck = (state: SiteState, batchId: string, producedHere: readonly string[]): ((code: string) => boolean) => {
  const balance = state.stock[batchId]?.codeBalance ?? {};
  const produced = new Set(producedHere);
  return (code) => (produced.has(code) ? 1 : 0) + (balance[code] ?? 0) > 0;
};

/** Codes that arrived with quarantined receipts and are still here. */
export const quarantinedCodeCheck = (state: SiteState, batchId: string): ((code: string) => boolean) => {
  const held = new Set(state.stock[batchId]?.quarantinedCodes ?? []);
  return (code) => held.has(code);
};

const withStock = (state: SiteState, batchId: string, change: (stock: BatchStock) => BatchStock): Readonly<Record<string, BatchStock>> => ({
  ...state.stock,
  [batchId]: change(state.stock[batchId] ?? emptyStock()),
});

const addToBalance = (balance: Readonly<Record<string, number>>, codes: readonly string[], delta: number) => {
  const next = { ...balance };
  for (const code of codes) next[code] = (next[code] ?? 0) + delta;
  return next;
};

const applyLines = <L extends { readonly batchId: string }>(
  state: SiteState,
  lines: readonly L[],
  change: (stock: BatchStock, line: L) => BatchStock,
): SiteState => lines.reduce((acc, line) => ({ ...acc, stock: withStock(acc, line.batchId, (stock) => change(stock, line)) }), state);

export const evolveSite = (state: SiteState, event: SiteEvent): SiteState => {
  switch (event.type) {
    case 'ShipmentDispatched': {
      const { shipmentId, toSite, billType, dispatchedAt, lines, deliveryNoteNo } = event.data;
      const next = applyLines(state, lines, (stock, line) => ({
        ...stock,
        dispatched: stock.dispatched + line.quantity,
        codeBalance: addToBalance(stock.codeBalance, line.traceCodes ?? [], -1),
      }));
      return {
        ...next,
        shipments: { ...next.shipments, [shipmentId]: { toSite, billType, dispatchedAt, lines } },
        // The first shipment keeps a number that an older log may show twice.
        deliveryNotes:
          shipmentWithNote(next, deliveryNoteNo) === undefined
            ? { ...next.deliveryNotes, [deliveryNoteNo]: shipmentId }
            : next.deliveryNotes,
      };
    }
    case 'ShipmentReceived': {
      const { shipmentId, fromSite, receivedAt, quarantined, lines } = event.data;
      const next = applyLines(state, lines, (stock, line) =>
        quarantined
          ? {
              ...stock,
              quarantinedReceived: stock.quarantinedReceived + line.accepted,
              quarantinedCodes: [...stock.quarantinedCodes, ...(line.traceCodes ?? [])],
            }
          : {
              ...stock,
              received: stock.received + line.accepted,
              codeBalance: addToBalance(stock.codeBalance, line.traceCodes ?? [], +1),
            },
      );
      return { ...next, receipts: { ...next.receipts, [shipmentId]: { fromSite, receivedAt, quarantined, lines } } };
    }
    case 'UnitsDestroyed':
      // Destruction draws on quarantined stock first: that split depends on this stream only,
      // whereas usable stock also depends on doses recorded elsewhere.
      return applyLines(state, event.data.lines, (stock, line) => {
        const quarantinedOnHand = stock.quarantinedReceived - stock.destroyedFromQuarantine;
        const codes = line.traceCodes ?? [];
        const held = new Set(stock.quarantinedCodes);
        const fromQuarantine = new Set(codes.filter((code) => held.has(code)));
        return {
          ...stock,
          destroyed: stock.destroyed + line.quantity,
          destroyedFromQuarantine: stock.destroyedFromQuarantine + Math.min(quarantinedOnHand, line.quantity),
          quarantinedCodes: stock.quarantinedCodes.filter((code) => !fromQuarantine.has(code)),
          codeBalance: addToBalance(
            stock.codeBalance,
            codes.filter((code) => !fromQuarantine.has(code)),
            -1,
          ),
        };
      });
    default:
      return unreachable(event);
  }
};
