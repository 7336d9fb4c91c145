import { compareDates, localDateOf, type Instant, type LocalDate } from '../shared/dates';
import { RuleViolation } from '../shared/rule-violation';
import type { StorageRange } from '../product/product.events';

/**
 * What the supply chain and the clinic need to know about a batch, joined by the handler
 * from the batch, product, lot-release and recall read models.
 */
export interface BatchFacts {
  readonly batchId: string;
  readonly productCode: string;
  readonly mahOrgCode: string;
  /** The product's vaccine type (dose numbers are counted per type). */
  readonly vaccineType: string;
  readonly expiresOn: LocalDate;
  readonly released: boolean;
  /**
   * The day the lot release was decided (China time); stock is usable from that day on, so a
   * dose or dispatch dated earlier is refused. Absent where the facts do not carry it.
   */
  readonly releasedOn?: LocalDate | null;
  readonly releaseRefused: boolean;
  /** Under a recall that has not been lifted. */
  readonly recalled: boolean;
  /** Under a suspension that has not been lifted. */
  readonly suspended: boolean;
  readonly serialised: boolean;
  readonly dosesPerUnit: number;
  readonly storageC: StorageRange;
  /** Doses in BatchProduced. */
  readonly producedQuantity: number;
  readonly producedTraceCodes?: readonly string[];
}

/**
 * Refuses to move or use stock that may not be sold or given: no lot release (or a refused
 * one), released only after that day, under a recall or suspension, or past its expiry day at
 * the site (China time).
 */
export const requireUsableBatch = (batch: BatchFacts, at: Instant, field: string): void => {
  if (!batch.released || batch.releaseRefused) {
    const why = batch.releaseRefused ? 'was refused lot release' : 'has no lot release yet';
    throw new RuleViolation('BATCH_NOT_RELEASED', `batch ${batch.batchId} ${why}`, field);
  }
  const day = localDateOf(at);
  if (batch.releasedOn && compareDates(day, batch.releasedOn) < 0) {
    throw new RuleViolation('BATCH_NOT_RELEASED', `batch ${batch.batchId} was released on ${batch.releasedOn}, after ${day}`, field);
  }
  if (batch.recalled) throw new RuleViolation('BATCH_RECALLED', `batch ${batch.batchId} is recalled`, field);
  if (batch.suspended) throw new RuleViolation('BATCH_SUSPENDED', `batch ${batch.batchId} is suspended`, field);
  if (compareDates(day, batch.expiresOn) > 0) {
    throw new RuleViolation('BATCH_EXPIRED', `batch ${batch.batchId} expired on ${batch.expiresOn}`, field);
  }
};
