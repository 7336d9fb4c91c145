import type { PackagingLevel, Programme, StorageRange } from './product.events';

/** A registered product as a handler finds it in the product read model. */
export interface ProductFacts {
  readonly productCode: string;
  readonly mahOrgCode: string;
  readonly vaccineType: string;
  readonly levels: readonly PackagingLevel[];
  readonly dosesPerUnit: number;
  readonly storageC: StorageRange;
  readonly shelfLifeMonths: number;
  readonly programme: Programme;
  readonly serialised: boolean;
}

/** The unit (level 1) code, whose first seven digits prefix every China trace code of a unit. */
export const unitLevelCode = (product: Pick<ProductFacts, 'levels' | 'productCode'>): string =>
  product.levels.find((level) => level.level === 1)?.code ?? product.productCode;
