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
  /** AEFI reports about the person, from any province (absent on a record the console made up). */
  aefi?: PersonAefi[];
}

/** An AEFI report as a person's record lists it. */
export interface PersonAefi {
  reportId: string;
  reportProvince: string;
  doseEventIds: string[];
  onsetAt: string;
  signs: string[];
  serious: boolean;
  outcome: string;
  aefiClass: string | null;
}

/** A dose an AEFI report follows (pseudonymous: site and batch). */
export interface AefiDose {
  doseEventId: string;
  batchId: string;
  productCode: string;
  siteCode: string;
  province: string;
  administeredAt: string;
}

/** GET /v1/aefi/{reportId} and the queues' rows. */
export interface AefiReport {
  reportId: string;
  reportProvince: string;
  personId?: string;
  reporterSite: string | null;
  doses: AefiDose[];
  discoveredAt: string;
  onsetAt: string;
  signs: string[];
  serious: boolean;
  seriousCriteria?: string[] | null;
  cluster: boolean;
  majorPublicImpact: boolean;
  outcome: string;
  urgent: boolean;
  deadlineAt: string | null;
  acknowledgedAt: string | null;
  overdue: boolean;
  /** Acknowledged after its deadline. */
  acknowledgedLate: boolean;
  aefiClass: string | null;
  narrativeInVault: boolean;
}

/** The statistics of an AEFI signal on a batch (AefiSignalRaised). */
export interface AefiSignalStatistics {
  signalId: string;
  raisedAt: string;
  originProvince: string;
  reports: number;
  doses: number;
  ratePer100k: number;
  baselineReports: number;
  baselineDoses: number;
  baselineRatePer100k: number;
  expected: number;
  pValue: number;
}

/** GET /v1/aefi/signals. */
export interface AefiSignal extends AefiSignalStatistics {
  batchId: string;
  productCode: string;
  recallIds: string[];
}

/** GET /v1/batches/{batchId}/aefi. */
export interface BatchAefi {
  batchId: string;
  reports: number;
  bySeriousness: { serious: number; nonSerious: number };
  byClass: Record<string, number>;
  doses: number;
  ratePer100k: number | null;
  reportList: AefiReport[];
  signals: AefiSignalStatistics[];
}

/** POST /v1/persons/{personId}/certificates. */
export interface IssuedCertificate {
  personId: string;
  jws: string;
  qr: string;
  qrPng: string;
  fitsSingleQr: boolean;
  issuer: string;
  kid: string;
  issuedAt: string;
  doses: number;
  origins: { origin: string; completeUpTo: string | null }[];
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
