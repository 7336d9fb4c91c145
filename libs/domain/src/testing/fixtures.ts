import type { Actor, Role } from '../shared/domain-event';
import type { BatchFacts } from '../batch/batch.facts';
import type { ProductFacts } from '../product/product.facts';
import type { OrgFacts } from '../organisation/organisation.facts';
import type { OrgKind } from '../organisation/organisation.events';

/** Shared test data for decider specs: a small supply chain in Jiangsu, Sichuan and Guangdong. */

export const NOW = '2026-11-20T12:00:00+08:00';

export const MAH = '91320000MA1X0Y2W3E';
export const OTHER_MAH = '91350100M000100Y43';
export const PROVINCIAL_CDC = '12510000MB0A1234XJ';
export const CITY_CDC = '12510100MB0C3456YK';
export const CLINIC = '12440300MB1B2345QN';
export const OTHER_CLINIC = '12440300MB1B9999QN';
export const REGULATOR = '11100000MB0D4567ZL';
export const CARRIER = '91440300MA5F1234XY';

const PROVINCE_OF: Record<string, string> = {
  [MAH]: '320000',
  [OTHER_MAH]: '350100',
  [PROVINCIAL_CDC]: '510000',
  [CITY_CDC]: '510100',
  [CLINIC]: '440300',
  [OTHER_CLINIC]: '440300',
  [REGULATOR]: '110000',
  [CARRIER]: '440300',
};

export const actor = (role: Role, orgCode: string, extra: Partial<Actor> = {}): Actor => ({
  orgCode,
  role,
  provinceCode: PROVINCE_OF[orgCode] ?? '510000',
  ...extra,
});

export const org = (orgCode: string, kind: OrgKind): OrgFacts => ({
  orgCode,
  kind,
  provinceCode: PROVINCE_OF[orgCode] ?? '510000',
});

export const PRODUCT_CODE = '8696321';
export const LOT = '202611A017';
export const BATCH_ID = `${PRODUCT_CODE}-${LOT}`;

/** The unit code for serial `n` of the test product. */
export const code = (n: number, prefix = PRODUCT_CODE): string => `${prefix}${String(n).padStart(13, '0')}`;

export const product = (overrides: Partial<ProductFacts> = {}): ProductFacts => ({
  productCode: PRODUCT_CODE,
  mahOrgCode: MAH,
  vaccineType: 'HepB',
  levels: [{ level: 1, code: PRODUCT_CODE, childrenPerParent: 1 }],
  dosesPerUnit: 1,
  storageC: { min: 2, max: 8 },
  shelfLifeMonths: 24,
  programme: 'NIP',
  serialised: true,
  ...overrides,
});

export const batchFacts = (overrides: Partial<BatchFacts> = {}): BatchFacts => ({
  batchId: BATCH_ID,
  productCode: PRODUCT_CODE,
  mahOrgCode: MAH,
  vaccineType: 'HepB',
  expiresOn: '2028-10-31',
  released: true,
  releaseRefused: false,
  recalled: false,
  suspended: false,
  serialised: true,
  dosesPerUnit: 1,
  storageC: { min: 2, max: 8 },
  producedQuantity: 10,
  producedTraceCodes: Array.from({ length: 10 }, (_, i) => code(i + 1)),
  ...overrides,
});
