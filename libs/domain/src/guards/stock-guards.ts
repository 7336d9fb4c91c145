import { siteOfStream } from '../streams';

/**
 * The guard rule of the write path: which stock, coded-unit and hold rows each event
 * changes. The event store applies these operations in the append's own transaction for
 * every event it stores (decided here, imported by sync, moved by `store import`), and
 * replays the log through this function to rebuild them (docs/adr/0011-dose-guard-tables.md).
 * Same meaning as the site-inventory and trace-code projections, reduced to what a dose
 * must check: available stock per site and batch, doses drawn per coded unit and who holds
 * it, recalls and suspensions in force.
 *
 * The operation shapes are the event store's (`GuardOp` in @vaxledger/event-store),
 * restated here because the domain depends on nothing.
 */
export type StockGuardOp =
  | { k: 'stock'; site: string; batch: string; available: number; quarantined?: number }
  | { k: 'draw'; code: string; site: string; org: string; n: number }
  | { k: 'units'; codes: string[]; batch: string; holder: string | null; state: 'in_stock' | 'in_transit' | 'destroyed'; create: boolean }
  | { k: 'hold'; recall: string; batches: string[]; kind: 'recall' | 'suspension' }
  | { k: 'lift'; recall: string; batches: string[] }
  | { k: 'dispatched'; shipment: string }
  | { k: 'received'; shipment: string; site: string; lines: { batch: string; n: number }[] };

/** Bump when `stockGuardOps` changes meaning: stores rebuild their guard rows on start. */
export const STOCK_GUARD_RULES_VERSION = 1;

interface GuardLine {
  batchId?: unknown;
  quantity?: unknown;
  accepted?: unknown;
  traceCodes?: unknown;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const codes = (value: unknown): string[] => (Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : []);
const lines = (value: unknown): GuardLine[] =>
  Array.isArray(value) ? value.filter((l): l is GuardLine => typeof l === 'object' && l !== null) : [];

export const stockGuardOps = (event: {
  readonly type: string;
  readonly streamId: string;
  readonly data: unknown;
  readonly metadata: { readonly actor?: { readonly orgCode?: string } | undefined };
}): StockGuardOp[] => {
  const p = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  switch (event.type) {
    case 'BatchProduced': {
      const batch = text(p.batchId);
      const mah = text(p.mahOrgCode);
      const ops: StockGuardOp[] = [{ k: 'stock', site: mah, batch, available: count(p.quantity) }];
      const units = codes(p.traceCodes);
      if (units.length > 0) ops.push({ k: 'units', codes: units, batch, holder: mah, state: 'in_stock', create: true });
      return ops;
    }
    case 'DoseAdministered': {
      const site = text(p.siteCode);
      const ops: StockGuardOp[] = [{ k: 'stock', site, batch: text(p.batchId), available: -1 }];
      const code = text(p.traceCode);
      if (code) ops.push({ k: 'draw', code, site, org: event.metadata.actor?.orgCode ?? site, n: 1 });
      return ops;
    }
    case 'DoseEnteredInError': {
      if (!text(p.batchId)) return [];
      const site = text(p.siteCode);
      const ops: StockGuardOp[] = [{ k: 'stock', site, batch: text(p.batchId), available: 1 }];
      const code = text(p.traceCode);
      if (code) ops.push({ k: 'draw', code, site, org: site, n: -1 });
      return ops;
    }
    case 'ShipmentDispatched': {
      const from = text(p.fromSite) || siteOfStream(event.streamId);
      const ops: StockGuardOp[] = lines(p.lines).map((l) => ({
        k: 'stock',
        site: from,
        batch: text(l.batchId),
        available: -count(l.quantity),
      }));
      for (const l of lines(p.lines)) {
        const units = codes(l.traceCodes);
        if (units.length > 0)
          ops.push({ k: 'units', codes: units, batch: text(l.batchId), holder: text(p.toSite), state: 'in_transit', create: false });
      }
      ops.push({ k: 'dispatched', shipment: text(p.shipmentId) });
      return ops;
    }
    case 'ShipmentReceived': {
      const site = siteOfStream(event.streamId);
      const received = lines(p.lines).filter((l) => count(l.accepted) > 0);
      const ops: StockGuardOp[] = [
        {
          k: 'received',
          shipment: text(p.shipmentId),
          site,
          lines: received.map((l) => ({ batch: text(l.batchId), n: count(l.accepted) })),
        },
      ];
      for (const l of received) {
        const units = codes(l.traceCodes);
        if (units.length > 0)
          ops.push({ k: 'units', codes: units, batch: text(l.batchId), holder: site, state: 'in_stock', create: false });
      }
      return ops;
    }
    case 'UnitsDestroyed': {
      const site = siteOfStream(event.streamId);
      const ops: StockGuardOp[] = lines(p.lines).map((l) => ({ k: 'stock', site, batch: text(l.batchId), available: -count(l.quantity) }));
      for (const l of lines(p.lines)) {
        const units = codes(l.traceCodes);
        if (units.length > 0)
          ops.push({ k: 'units', codes: units, batch: text(l.batchId), holder: site, state: 'destroyed', create: false });
      }
      return ops;
    }
    case 'BatchRecalled':
      return [{ k: 'hold', recall: text(p.recallId), batches: codes(p.batchIds), kind: p.kind === 'suspension' ? 'suspension' : 'recall' }];
    case 'RecallLifted':
      return [{ k: 'lift', recall: text(p.recallId), batches: codes(p.batchIds) }];
    default:
      return [];
  }
};
