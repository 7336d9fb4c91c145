import type { DomainEvent } from '../shared/domain-event';
import type { LocalDate } from '../shared/dates';

export type BatchReleased = DomainEvent<
  'BatchReleased',
  1,
  { batchId: string; certificateNo: string; decidedOn: LocalDate; authorityOrgCode: string }
>;

export type BatchReleaseRefused = DomainEvent<
  'BatchReleaseRefused',
  1,
  { batchId: string; reason: string; decidedOn: LocalDate; authorityOrgCode: string }
>;

export type LotReleaseEvent = BatchReleased | BatchReleaseRefused;

export const batchReleased = (data: BatchReleased['data']): BatchReleased => ({
  type: 'BatchReleased',
  schemaVersion: 1,
  data,
});

export const batchReleaseRefused = (data: BatchReleaseRefused['data']): BatchReleaseRefused => ({
  type: 'BatchReleaseRefused',
  schemaVersion: 1,
  data,
});
