import type { DomainEvent } from '../shared/domain-event';
import type { LocalDate } from '../shared/dates';
import { compact } from '../shared/assertions';

export type BatchProduced = DomainEvent<
  'BatchProduced',
  1,
  {
    batchId: string;
    productCode: string;
    lotNumber: string;
    producedOn: LocalDate;
    /** Last usable day, inclusive. */
    expiresOn: LocalDate;
    /** Doses, not units. */
    quantity: number;
    /** Unit-level codes, present for serialised products only. */
    traceCodes?: readonly string[];
    mahOrgCode: string;
  }
>;

export type BatchEvent = BatchProduced;

export const batchProduced = (data: BatchProduced['data']): BatchProduced => ({
  type: 'BatchProduced',
  schemaVersion: 1,
  data: compact(data),
});
