import type {
  BatchRow,
  DoseRow,
  OrganisationRow,
  ProductRow,
  ReadModels,
  RecallRow,
  ShipmentRow,
  StockRow,
  TraceCodeRow,
} from '@vaxledger/projections';

/** The read-model lookups the handlers use, answered from plain arrays a test fills in. */
export type HandlerReads = Pick<
  ReadModels,
  | 'organisation'
  | 'product'
  | 'takenProductCodes'
  | 'batch'
  | 'batches'
  | 'stockAt'
  | 'traceCode'
  | 'traceCodesOfBatch'
  | 'knownTraceCodes'
  | 'usedTraceCodes'
  | 'administeredAtSite'
  | 'shipment'
  | 'recall'
  | 'doses'
  | 'dose'
>;

export interface Tables {
  organisations: OrganisationRow[];
  products: ProductRow[];
  batches: BatchRow[];
  stock: StockRow[];
  traceCodes: TraceCodeRow[];
  shipments: ShipmentRow[];
  recalls: RecallRow[];
  doses: DoseRow[];
}

const found = <T>(row: T | undefined): Promise<T | null> => Promise.resolve(row ?? null);

/** Lookups over `tables`, which the test may change between steps. */
export const memoryReads = (tables: Partial<Tables> = {}): HandlerReads & { tables: Tables } => {
  const t: Tables = {
    organisations: [],
    products: [],
    batches: [],
    stock: [],
    traceCodes: [],
    shipments: [],
    recalls: [],
    doses: [],
    ...tables,
  };
  return {
    tables: t,
    organisation: (orgCode) => found(t.organisations.find((r) => r.orgCode === orgCode)),
    product: (productCode) => found(t.products.find((r) => r.productCode === productCode)),
    takenProductCodes: (codes) =>
      Promise.resolve(codes.filter((c) => t.products.some((p) => p.productCode === c || p.levels.some((l) => l.code === c)))),
    batch: (batchId) => found(t.batches.find((r) => r.batchId === batchId)),
    batches: (batchIds) => Promise.resolve(t.batches.filter((r) => batchIds.includes(r.batchId))),
    stockAt: (site, batchId) => found(t.stock.find((r) => r.site === site && r.batchId === batchId)),
    traceCode: (code) => found(t.traceCodes.find((r) => r.code === code)),
    traceCodesOfBatch: (batchId) => Promise.resolve(t.traceCodes.filter((r) => r.batchId === batchId).map((r) => r.code)),
    knownTraceCodes: (codes) => Promise.resolve(codes.filter((c) => t.traceCodes.some((r) => r.code === c))),
    usedTraceCodes: (codes) => Promise.resolve(codes.filter((c) => t.traceCodes.some((r) => r.code === c && r.dosesDrawn > 0))),
    administeredAtSite: (site, batchIds) =>
      Promise.resolve(
        Object.fromEntries(batchIds.map((id) => [id, t.stock.find((r) => r.site === site && r.batchId === id)?.administered ?? 0])),
      ),
    shipment: (shipmentId) => found(t.shipments.find((r) => r.shipmentId === shipmentId)),
    recall: (recallId) => found(t.recalls.find((r) => r.recallId === recallId)),
    doses: (personId) => Promise.resolve(t.doses.filter((r) => r.personId === personId)),
    dose: (eventId) => found(t.doses.find((r) => r.eventId === eventId)),
  };
};
