import type { DomainEvent } from '../shared/domain-event';
import type { VaccineType } from '../schedules/schedules';

/** One code per packaging level: level 1 is the unit, higher levels are packs and cases. */
export interface PackagingLevel {
  readonly level: number;
  /** Drug identification code (7 digits) or GTIN-14 for this level. */
  readonly code: string;
  /** How many level − 1 items a full item of this level holds (1 for the unit level). */
  readonly childrenPerParent: number;
}

export interface StorageRange {
  readonly min: number;
  readonly max: number;
}

export type Programme = 'NIP' | 'nonNIP';

export type ProductRegistered = DomainEvent<
  'ProductRegistered',
  1,
  {
    productCode: string;
    levels: readonly PackagingLevel[];
    name: string;
    vaccineType: VaccineType;
    approvalNo: string;
    mahOrgCode: string;
    dosesPerUnit: number;
    storageC: StorageRange;
    shelfLifeMonths: number;
    programme: Programme;
    serialised: boolean;
  }
>;

export type ProductEvent = ProductRegistered;

export const productRegistered = (data: ProductRegistered['data']): ProductRegistered => ({
  type: 'ProductRegistered',
  schemaVersion: 1,
  data,
});
