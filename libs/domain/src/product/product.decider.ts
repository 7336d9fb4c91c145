import { firstDuplicate, isWholeNumber, requireWholeNumber } from '../shared/assertions';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { isVaccineType } from '../schedules/schedules';
import { productRegistered, type PackagingLevel, type ProductEvent, type Programme, type StorageRange } from './product.events';
import type { ProductFacts } from './product.facts';

export interface RegisterProductData {
  readonly productCode: string;
  /** The handler passes `[{ level: 1, code: productCode, childrenPerParent: 1 }]` when the caller gives none. */
  readonly levels: readonly PackagingLevel[];
  readonly name: string;
  readonly vaccineType: string;
  readonly approvalNo: string;
  readonly mahOrgCode: string;
  readonly dosesPerUnit: number;
  readonly storageC: StorageRange;
  readonly shelfLifeMonths: number;
  readonly programme: Programme;
  readonly serialised: boolean;
}

export interface RegisterProductContext extends BaseContext {
  /** Product code of another product that already uses one of this product's codes. */
  readonly codeTakenBy?: string;
}

export type RegisterProduct = Command<'RegisterProduct', RegisterProductData, RegisterProductContext>;
export type ProductCommand = RegisterProduct;

export type ProductState = { readonly status: 'new' } | { readonly status: 'registered'; readonly product: ProductFacts };

const initialState = (): ProductState => ({ status: 'new' });

const checkLevels = (levels: readonly PackagingLevel[]): void => {
  const invalid = (message: string): never => {
    throw new RuleViolation('INVALID_PACKAGING_LEVELS', message, 'levels');
  };
  if (levels.length === 0) invalid('at least the unit level (1) is needed');
  if (!levels.some((level) => level.level === 1)) invalid('level 1 (the unit) is missing');
  if (firstDuplicate(levels.map((level) => String(level.level))) !== undefined) invalid('a level is listed twice');
  if (firstDuplicate(levels.map((level) => level.code)) !== undefined) invalid('two levels share a code');
  const sorted = [...levels].sort((a, b) => a.level - b.level);
  sorted.forEach((level, index) => {
    if (level.level !== index + 1) invalid('levels must run 1, 2, 3… without gaps');
    if (!isWholeNumber(level.childrenPerParent, 1)) invalid('childrenPerParent must be a whole number ≥ 1');
    if (level.code.length === 0) invalid('every level needs a code');
  });
};

const decide = (command: ProductCommand, state: ProductState): ProductEvent[] => {
  switch (command.type) {
    case 'RegisterProduct': {
      const { data, context } = command;
      const { actor } = context;
      if (actor.role !== 'manufacturer' || actor.orgCode !== data.mahOrgCode) {
        throw new RuleViolation('NOT_PRODUCT_OWNER', 'only the marketing authorisation holder registers its products', 'mahOrgCode');
      }
      if (state.status === 'registered') {
        throw new RuleViolation('PRODUCT_EXISTS', `product ${data.productCode} is already registered`, 'productCode');
      }
      if (context.codeTakenBy !== undefined) {
        throw new RuleViolation('PRODUCT_CODE_TAKEN', `a code is already used by product ${context.codeTakenBy}`, 'levels');
      }
      if (!isVaccineType(data.vaccineType)) {
        throw new RuleViolation('UNKNOWN_VACCINE_TYPE', `${data.vaccineType} is not in the schedule value set`, 'vaccineType');
      }
      checkLevels(data.levels);
      if (!(data.storageC.min < data.storageC.max)) {
        throw new RuleViolation('INVALID_STORAGE_RANGE', 'storageC.min must be below storageC.max', 'storageC');
      }
      requireWholeNumber(data.dosesPerUnit, 1, 'dosesPerUnit');
      requireWholeNumber(data.shelfLifeMonths, 1, 'shelfLifeMonths');
      return [
        productRegistered({
          productCode: data.productCode,
          levels: data.levels.map(({ level, code, childrenPerParent }) => ({ level, code, childrenPerParent })),
          name: data.name,
          vaccineType: data.vaccineType,
          approvalNo: data.approvalNo,
          mahOrgCode: data.mahOrgCode,
          dosesPerUnit: data.dosesPerUnit,
          storageC: { min: data.storageC.min, max: data.storageC.max },
          shelfLifeMonths: data.shelfLifeMonths,
          programme: data.programme,
          serialised: data.serialised,
        }),
      ];
    }
    default:
      return unreachable(command.type);
  }
};

const evolve = (state: ProductState, event: ProductEvent): ProductState => {
  switch (event.type) {
    case 'ProductRegistered': {
      const { productCode, mahOrgCode, vaccineType, levels, dosesPerUnit, storageC, shelfLifeMonths, programme, serialised } = event.data;
      return {
        status: 'registered',
        product: { productCode, mahOrgCode, vaccineType, levels, dosesPerUnit, storageC, shelfLifeMonths, programme, serialised },
      };
    }
    default:
      return unreachable(event.type);
  }
};

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = { decide, evolve, initialState };
