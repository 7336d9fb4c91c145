/**
 * Guard operations: the few facts the write path must check inside the append's own
 * transaction (stock on hand per site and batch, draws per coded unit, recalls and
 * suspensions holding a batch), kept in small tables the same transaction updates.
 *
 * The store does not know the domain: a node passes a rule (`GuardRules`) that turns each
 * event into operations, and the store applies them to every append it makes, whether
 * the event was decided here, imported by sync or moved by `store import`. A rebuild
 * replays the whole log through the same rule (docs/adr/0011-dose-guard-tables.md).
 */

/** Add to (or, with `enforce`, take from) a site's stock of a batch. Deltas in doses. */
export interface StockOp {
  readonly k: 'stock';
  readonly site: string;
  readonly batch: string;
  readonly available: number;
  readonly quarantined?: number;
}

/** Draw (n > 0) or give back (n < 0) doses of one coded unit at a site. */
export interface DrawOp {
  readonly k: 'draw';
  readonly code: string;
  readonly site: string;
  /** The caller's organisation: a unit held by the organisation may be used at its sites. */
  readonly org: string;
  readonly n: number;
}

/** Coded units created (BatchProduced) or moved (dispatch, receipt, destruction). */
export interface UnitsOp {
  readonly k: 'units';
  readonly codes: readonly string[];
  readonly batch: string;
  readonly holder: string | null;
  readonly state: 'in_stock' | 'in_transit' | 'destroyed';
  /** True for new units (kept if already there), false for moves of known ones. */
  readonly create: boolean;
}

/** A recall or suspension starts (hold) or is lifted (lift) for some batches. */
export interface HoldOp {
  readonly k: 'hold';
  readonly recall: string;
  readonly batches: readonly string[];
  readonly kind: 'recall' | 'suspension';
}
export interface LiftOp {
  readonly k: 'lift';
  readonly recall: string;
  readonly batches: readonly string[];
}

/** A dispatch is known: a receipt that arrived before it leaves quarantine. */
export interface DispatchedOp {
  readonly k: 'dispatched';
  readonly shipment: string;
}

/** Goods received: available when the dispatch is known, quarantined until it is. */
export interface ReceivedOp {
  readonly k: 'received';
  readonly shipment: string;
  readonly site: string;
  readonly lines: readonly { readonly batch: string; readonly n: number }[];
}

export type GuardOp = StockOp | DrawOp | UnitsOp | HoldOp | LiftOp | DispatchedOp | ReceivedOp;

/** The event as the rule sees it (decided here or imported). */
export interface GuardedEvent {
  readonly type: string;
  readonly streamId: string;
  readonly data: unknown;
  readonly metadata: { readonly actor?: { readonly orgCode?: string } | undefined; readonly [key: string]: unknown };
}

export interface GuardRules {
  /** Bumped when `opsFor` changes meaning: the store then rebuilds its guard tables from the log. */
  readonly version: number;
  opsFor(event: GuardedEvent): readonly GuardOp[];
}

/**
 * What an append made by a command asks the store to enforce on top of keeping the guard
 * rows: takes of stock need enough available and no hold on the batch, draws of a coded
 * unit need the unit at the site with a dose left. Imports never enforce (the fact happened).
 */
export interface GuardEnforcement {
  /** Doses per coded unit of the batch the draws are from (1 when absent). */
  readonly dosesPerUnit?: number;
}
