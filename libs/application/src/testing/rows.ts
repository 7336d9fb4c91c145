import type { BatchRow, DoseRow, OrganisationRow, ProductRow, StockRow } from '@vaxledger/projections';

/** Read-model rows with the defaults of the domain's test fixtures (a HepB product of a Jiangsu MAH). */
export const MAH = '91320000MA1X0Y2W3E';
export const CLINIC = '12440300MB1B2345QN';
export const OTHER_CLINIC = '12440300MB1B9999QN';
export const CITY_CDC = '12510100MB0C3456YB';
export const REGULATOR = '11100000MB0D4567ZL';
export const PRODUCT_CODE = '8696321';
export const BATCH_ID = `${PRODUCT_CODE}-202611A017`;

export const orgRow = (o: Partial<OrganisationRow> & Pick<OrganisationRow, 'orgCode' | 'kind'>): OrganisationRow => ({
  name: o.orgCode,
  provinceCode: '440000',
  parentOrgCode: null,
  position: '1',
  ...o,
});

export const productRow = (o: Partial<ProductRow> = {}): ProductRow => ({
  productCode: PRODUCT_CODE,
  name: 'Hepatitis B vaccine',
  vaccineType: 'HepB',
  mahOrgCode: MAH,
  dosesPerUnit: 1,
  storageMin: 2,
  storageMax: 8,
  shelfLifeMonths: 24,
  programme: 'NIP',
  serialised: false,
  levels: [{ level: 1, code: PRODUCT_CODE, childrenPerParent: 1 }],
  approvalNo: 'S20260001',
  position: '1',
  ...o,
});

export const batchRow = (o: Partial<BatchRow> = {}): BatchRow => ({
  batchId: BATCH_ID,
  productCode: PRODUCT_CODE,
  lotNumber: '202611A017',
  mahOrgCode: MAH,
  producedOn: '2026-11-01',
  expiresOn: '2028-10-31',
  quantity: 100,
  releaseState: 'released',
  release: null,
  recalled: false,
  suspended: false,
  recallIds: [],
  destroyed: 0,
  administered: 0,
  originProvince: '320000',
  position: '1',
  ...o,
});

export const stockRow = (o: Partial<StockRow> & Pick<StockRow, 'site'>): StockRow => ({
  batchId: BATCH_ID,
  available: 0,
  quarantined: 0,
  administered: 0,
  destroyed: 0,
  ...o,
});

export const doseRow = (o: Partial<DoseRow> & Pick<DoseRow, 'eventId' | 'personId'>): DoseRow => ({
  originProvince: '440000',
  siteCode: CLINIC,
  administeredAt: '2026-11-20T10:15:00+08:00',
  batchId: BATCH_ID,
  productCode: PRODUCT_CODE,
  vaccineType: 'HepB',
  doseNumber: 1,
  status: 'valid',
  traceCode: null,
  position: '1',
  ...o,
});
