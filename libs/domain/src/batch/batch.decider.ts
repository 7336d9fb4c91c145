import { firstDuplicate, requireDate, requireWholeNumber } from '../shared/assertions';
import { addDays, addMonths, compareDates, endOfMonth, localDateOf, startOfMonth, type LocalDate } from '../shared/dates';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { unitLevelCode, type ProductFacts } from '../product/product.facts';
import { batchIdOf } from '../streams';
import { batchProduced, type BatchEvent } from './batch.events';

export interface ProduceBatchData {
  readonly productCode: string;
  readonly lotNumber: string;
  readonly producedOn: LocalDate;
  readonly expiresOn: LocalDate;
  /** Doses. */
  readonly quantity: number;
  readonly traceCodes?: readonly string[];
}

export interface ProduceBatchContext extends BaseContext {
  /** The product being made; null when no such product is registered. */
  readonly product: ProductFacts | null;
  /** Those of the command's codes already known anywhere (any batch, any level). */
  readonly usedTraceCodes: readonly string[];
}

export type ProduceBatch = Command<'ProduceBatch', ProduceBatchData, ProduceBatchContext>;
export type BatchCommand = ProduceBatch;

export interface ProducedBatch {
  readonly batchId: string;
  readonly productCode: string;
  readonly lotNumber: string;
  readonly producedOn: LocalDate;
  readonly expiresOn: LocalDate;
  readonly quantity: number;
  readonly mahOrgCode: string;
  readonly traceCodeCount: number;
}

export type BatchState = { readonly status: 'new' } | { readonly status: 'produced'; readonly batch: ProducedBatch };

const initialState = (): BatchState => ({ status: 'new' });

// TODO(identifiers): replace with the lot-number validator once ../identifiers lands.
const LOT_NUMBER = /^[0-9A-Z]{1,20}$/;
// TODO(identifiers): replace with the trace-code parser (China codes and ISO/IEC 15459).
const CHINA_TRACE_CODE = /^\d{20}$/;
const CHINA_PRODUCT_CODE = /^\d{7}$/;

/**
 * Expiry dates a label may carry for a shelf life: production plus the shelf life, the day
 * before, or the last day of that month or of the month before (labels round to months).
 */
export const allowedExpiryDates = (producedOn: LocalDate, shelfLifeMonths: number): LocalDate[] => {
  const exact = addMonths(producedOn, shelfLifeMonths);
  return [...new Set([exact, addDays(exact, -1), endOfMonth(exact), addDays(startOfMonth(exact), -1)])];
};

const checkTraceCodes = (data: ProduceBatchData, product: ProductFacts, usedTraceCodes: readonly string[]): void => {
  const codes = data.traceCodes ?? [];
  if (!product.serialised) {
    if (codes.length > 0) {
      throw new RuleViolation('TRACE_CODE_COUNT_MISMATCH', 'the product is not serialised: no trace codes', 'traceCodes');
    }
    return;
  }
  const units = data.quantity / product.dosesPerUnit;
  if (!Number.isInteger(units) || codes.length !== units) {
    throw new RuleViolation(
      'TRACE_CODE_COUNT_MISMATCH',
      `${data.quantity} doses at ${product.dosesPerUnit} per unit need one code per unit; got ${codes.length}`,
      'traceCodes',
    );
  }
  const levelCode = unitLevelCode(product);
  if (CHINA_PRODUCT_CODE.test(levelCode)) {
    for (const code of codes) {
      if (!CHINA_TRACE_CODE.test(code)) {
        throw new RuleViolation('INVALID_TRACE_CODE', `${code} is not a 20-digit trace code`, 'traceCodes');
      }
      if (code.slice(0, 7) !== levelCode) {
        throw new RuleViolation('TRACE_CODE_WRONG_PRODUCT', `${code} does not carry unit code ${levelCode}`, 'traceCodes');
      }
    }
  }
  const repeated = firstDuplicate(codes);
  if (repeated !== undefined) {
    throw new RuleViolation('TRACE_CODE_DUPLICATE', `${repeated} is listed twice`, 'traceCodes');
  }
  const known = new Set(usedTraceCodes);
  const reused = codes.find((code) => known.has(code));
  if (reused !== undefined) {
    throw new RuleViolation('TRACE_CODE_DUPLICATE', `${reused} is already in use`, 'traceCodes');
  }
};

const decide = (command: BatchCommand, state: BatchState): BatchEvent[] => {
  switch (command.type) {
    case 'ProduceBatch': {
      const { data, context } = command;
      const { product, actor } = context;
      if (!LOT_NUMBER.test(data.lotNumber)) {
        throw new RuleViolation('INVALID_LOT_NUMBER', 'lotNumber must be 1–20 letters A–Z or digits', 'lotNumber');
      }
      requireDate(data.producedOn, 'producedOn');
      requireDate(data.expiresOn, 'expiresOn');
      if (!product || product.productCode !== data.productCode) {
        throw new RuleViolation('UNKNOWN_PRODUCT', `no product ${data.productCode}`, 'productCode');
      }
      if (actor.role !== 'manufacturer' || actor.orgCode !== product.mahOrgCode) {
        throw new RuleViolation('NOT_PRODUCT_OWNER', 'only the product’s MAH produces its batches', 'productCode');
      }
      if (state.status === 'produced') {
        throw new RuleViolation('BATCH_EXISTS', `batch ${state.batch.batchId} is already recorded`, 'lotNumber');
      }
      requireWholeNumber(data.quantity, 1, 'quantity');
      if (compareDates(data.producedOn, localDateOf(context.now)) > 0) {
        throw new RuleViolation('TIME_IN_FUTURE', 'producedOn is after today', 'producedOn');
      }
      if (compareDates(data.expiresOn, data.producedOn) <= 0) {
        throw new RuleViolation('EXPIRY_BEFORE_PRODUCTION', 'expiresOn must be after producedOn', 'expiresOn');
      }
      const allowed = allowedExpiryDates(data.producedOn, product.shelfLifeMonths);
      if (!allowed.includes(data.expiresOn)) {
        throw new RuleViolation(
          'EXPIRY_INCONSISTENT_WITH_SHELF_LIFE',
          `a ${product.shelfLifeMonths}-month shelf life from ${data.producedOn} allows ${allowed.join(', ')}`,
          'expiresOn',
        );
      }
      checkTraceCodes(data, product, context.usedTraceCodes);
      const codes = data.traceCodes ?? [];
      return [
        batchProduced({
          batchId: batchIdOf(data.productCode, data.lotNumber),
          productCode: data.productCode,
          lotNumber: data.lotNumber,
          producedOn: data.producedOn,
          expiresOn: data.expiresOn,
          quantity: data.quantity,
          traceCodes: codes.length > 0 ? [...codes] : undefined,
          mahOrgCode: product.mahOrgCode,
        }),
      ];
    }
    default:
      return unreachable(command.type);
  }
};

const evolve = (state: BatchState, event: BatchEvent): BatchState => {
  switch (event.type) {
    case 'BatchProduced': {
      const { batchId, productCode, lotNumber, producedOn, expiresOn, quantity, mahOrgCode, traceCodes } = event.data;
      return {
        status: 'produced',
        batch: {
          batchId,
          productCode,
          lotNumber,
          producedOn,
          expiresOn,
          quantity,
          mahOrgCode,
          traceCodeCount: traceCodes?.length ?? 0,
        },
      };
    }
    default:
      return unreachable(event.type);
  }
};

export const batchDecider: Decider<BatchCommand, BatchEvent, BatchState> = { decide, evolve, initialState };
