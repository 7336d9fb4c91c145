import { isInstant, isLaterThan, isLocalDate, type Instant, type LocalDate } from './dates';
import { RuleViolation, type RuleCode } from './rule-violation';

/**
 * Shape checks the deciders repeat. The HTTP edge validates bodies first; these stop a
 * malformed command from another entry point (a sync consumer, a CLI) becoming a fact.
 */

/** Clocks on clinic PCs drift; a few minutes ahead of the server is tolerated, no more. */
export const CLOCK_SKEW_TOLERANCE_MINUTES = 5;

export const requireInstant = (value: Instant, field: string): Instant => {
  if (!isInstant(value)) throw new RuleViolation('INVALID_DATE', `${field} must be an RFC 3339 instant`, field);
  return value;
};

export const requireDate = (value: LocalDate, field: string): LocalDate => {
  if (!isLocalDate(value)) throw new RuleViolation('INVALID_DATE', `${field} must be a YYYY-MM-DD date`, field);
  return value;
};

/** Refuses an instant later than the handler's clock plus the tolerated skew. */
export const requireNotInFuture = (value: Instant, now: Instant, field: string): void => {
  requireInstant(value, field);
  if (isLaterThan(value, now, CLOCK_SKEW_TOLERANCE_MINUTES)) {
    throw new RuleViolation('TIME_IN_FUTURE', `${field} ${value} is later than ${now}`, field);
  }
};

export const isWholeNumber = (value: number, min: number): boolean => Number.isInteger(value) && value >= min;

export const requireWholeNumber = (value: number, min: number, field: string, code: RuleCode = 'INVALID_QUANTITY'): number => {
  if (!isWholeNumber(value, min)) throw new RuleViolation(code, `${field} must be a whole number ≥ ${min}`, field);
  return value;
};

/** The first value that occurs twice, if any. */
export const firstDuplicate = (values: readonly string[]): string | undefined => {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
};

/**
 * Drops keys whose value is `undefined`, so optional payload fields are absent rather
 * than present-and-undefined (stored JSON and `toEqual` then agree).
 */
export const compact = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
