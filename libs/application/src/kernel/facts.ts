import type { BatchFacts, Instant, LocalDate, OrgFacts, OrgKind, ProductFacts, ShipmentFacts } from '@vaxledger/domain';
import type { BatchRow, ProductRow, ReadModels } from '@vaxledger/projections';

/** Turns read-model rows into the facts deciders take as their world. */
export const productFacts = (row: ProductRow): ProductFacts => ({
  productCode: row.productCode,
  mahOrgCode: row.mahOrgCode,
  vaccineType: row.vaccineType,
  levels: row.levels,
  dosesPerUnit: row.dosesPerUnit,
  storageC: { min: row.storageMin, max: row.storageMax },
  shelfLifeMonths: row.shelfLifeMonths,
  programme: row.programme as ProductFacts['programme'],
  serialised: row.serialised,
});

export const batchFacts = (batch: BatchRow, product: ProductRow | null, traceCodes?: readonly string[]): BatchFacts => ({
  batchId: batch.batchId,
  productCode: batch.productCode,
  mahOrgCode: batch.mahOrgCode,
  vaccineType: product?.vaccineType ?? '',
  expiresOn: batch.expiresOn,
  released: batch.releaseState === 'released',
  releasedOn: batch.releaseState === 'released' ? ((batch.release?.decidedOn as LocalDate | undefined) ?? null) : null,
  releaseRefused: batch.releaseState === 'refused',
  recalled: batch.recalled,
  suspended: batch.suspended,
  serialised: product?.serialised ?? false,
  dosesPerUnit: product?.dosesPerUnit ?? 1,
  storageC: { min: product?.storageMin ?? 2, max: product?.storageMax ?? 8 },
  producedQuantity: batch.quantity,
  ...(traceCodes ? { producedTraceCodes: traceCodes } : {}),
});

export const orgFacts = (row: { orgCode: string; kind: string; provinceCode: string; parentOrgCode: string | null }): OrgFacts => ({
  orgCode: row.orgCode,
  kind: row.kind as OrgKind,
  provinceCode: row.provinceCode,
  ...(row.parentOrgCode ? { parentOrgCode: row.parentOrgCode } : {}),
});

/** Facts of several batches, keyed by id; unknown batches are left out. */
export const batchFactsById = async (
  models: Pick<ReadModels, 'batches' | 'product'>,
  batchIds: readonly string[],
): Promise<Record<string, BatchFacts>> => {
  const unique = [...new Set(batchIds)];
  const batches = await models.batches(unique);
  const out: Record<string, BatchFacts> = {};
  for (const batch of batches) {
    const product = await models.product(batch.productCode);
    out[batch.batchId] = batchFacts(batch, product);
  }
  return out;
};

export const shipmentFacts = (row: {
  shipmentId: string;
  fromSite: string;
  toSite: string;
  billType: string | null;
  lines: ShipmentFacts['lines'];
  dispatchedAt?: string;
}): ShipmentFacts => ({
  shipmentId: row.shipmentId,
  fromSite: row.fromSite,
  toSite: row.toSite,
  billType: (row.billType ?? '201') as ShipmentFacts['billType'],
  lines: row.lines,
  ...(row.dispatchedAt ? { dispatchedAt: row.dispatchedAt as Instant } : {}),
});
