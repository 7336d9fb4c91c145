import { parseInstant, type Instant } from '../shared/dates';
import type { AefiOutcome } from './aefi.events';

/**
 * Reporting clocks of China's AEFI surveillance plan (DOMAIN.md §8): the case card reaches
 * the county CDC within 48 h of discovery; a death, a serious case, a cluster or an event
 * of major public impact within 2 h.
 */
export const ROUTINE_REPORT_HOURS = 48;
export const URGENT_REPORT_HOURS = 2;

export interface Urgency {
  readonly serious: boolean;
  readonly cluster: boolean;
  readonly majorPublicImpact: boolean;
  readonly outcome: AefiOutcome;
}

export const isUrgent = (report: Urgency): boolean =>
  report.serious || report.cluster || report.majorPublicImpact || report.outcome === 'died';

/** The instant the card is due, counted from discovery (UTC text; the instant is what counts). */
export const reportingDeadline = (discoveredAt: Instant, urgent: boolean): Instant =>
  new Date(parseInstant(discoveredAt) + (urgent ? URGENT_REPORT_HOURS : ROUTINE_REPORT_HOURS) * 3_600_000).toISOString();

/** Overdue: the deadline passed and the county CDC has not acknowledged the card. */
export const isOverdue = (deadlineAt: Instant, acknowledged: boolean, now: Instant): boolean =>
  !acknowledged && parseInstant(now) > parseInstant(deadlineAt);
