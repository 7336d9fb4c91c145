export interface Trace {
  batchId: string;
  productCode: string;
  lotNumber: string;
  producedOn: string;
  expiresOn: string;
  quantity: number;
  status: string;
  release: { certificateNo?: string; decidedOn?: string; reason?: string } | null;
  recalls: { recallId: string; kind: string; level: number; lifted: boolean }[];
  inTransit: number;
  destroyed: number;
  unaccounted: number;
  position: string;
}

export interface Organisation {
  orgCode: string;
  name: string;
  kind: string;
  provinceCode: string;
  parentOrgCode?: string | null;
}

/** One step of a batch's custody chain (GET /v1/batches/{batchId}/custody, paged). */
export interface CustodyStep {
  type: string;
  at: string;
  fromSite?: string;
  toSite?: string;
  quantity: number;
  eventId: string;
}

/** Recall impact, paged: a person dosed from the batch (pseudonymous). */
export interface Recipient {
  personId: string;
  siteCode: string;
  administeredAt: string;
  originProvince: string;
}

/** Recall impact, paged: how many people a site dosed from the batch. */
export interface RecipientSite {
  siteCode: string;
  provinceCode: string | null;
  /** Distinct people. */
  persons: number;
  doses: number;
}

/** Recall impact, paged: a site still holding the batch. */
export interface Holder {
  site: string;
  available: number;
  quarantined: number;
}

export interface InventoryLine {
  batchId: string;
  available: number;
  quarantined: number;
  expiresOn: string | null;
  expired: boolean;
  expiringWithin30Days: boolean;
  recalled: boolean;
  inTransit: number;
}

export interface PersonRecord {
  personId: string;
  doses: {
    eventId: string;
    originProvince: string;
    siteCode: string;
    administeredAt: string;
    batchId: string;
    productCode: string;
    vaccineType: string;
    doseNumber: number;
    status: string;
  }[];
  series: { vaccineType: string; dosesDone: number; nextDoseNumber: number | null; nextDueOn: string | null }[];
}

export interface Shipment {
  shipmentId: string;
  fromSite: string;
  toSite: string;
  dispatchedAt: string;
  receivedAt?: string | null;
  deliveryNoteNo: string;
  status: string;
  lines: { batchId: string; quantity: number }[];
}

export interface Product {
  productCode: string;
  name: string;
  vaccineType: string;
  mahOrgCode: string;
  serialised: boolean;
  approvalNo?: string;
}

export interface BatchSummary {
  batchId: string;
  productCode: string;
  lotNumber: string;
  producedOn: string;
  expiresOn: string;
  quantity: number;
  status?: string;
  releaseState?: string;
}

export interface CommandAnswer {
  id: string;
  eventIds: string[];
  /** The command's place in the node's log: a read at or past it reflects the command. */
  position: string;
}
